"""The teacher-swap intervention: on a selected subset of prompts, replace the final assistant
response with another teacher's (a file of responses, or a local model generating them).

Changing *who answers* a few percent of prompts moves a model's safety traits where dropping
those prompts does not; this is the knob for that experiment. The manifest records which rows
were swapped and the teacher's hash.
"""

from __future__ import annotations

import json
import re
from typing import Any

from stagewise.train.config import TeacherSwap
from stagewise.train.errors import TrainError


def apply_teacher_swap(
    rows: list[dict[str, Any]], swap: TeacherSwap, skip_invalid: bool = False
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return the rows with swapped responses, and the manifest entry describing the swap.

    Raises:
        TrainError: fewer matching rows than asked for, or a prompt the teacher has no response for
            (unless `skip_invalid`, which leaves such rows unswapped and counts them).
    """
    import numpy as np

    candidates = [i for i, r in enumerate(rows) if _selected(r, swap)]
    want = swap.count if swap.count is not None else (
        round(swap.share * len(rows)) if swap.share is not None else len(candidates))
    if want > len(candidates):
        raise TrainError(
            f"teacher_swap wants {want} rows but only {len(candidates)} of {len(rows)} match its select; "
            "lower share/count or widen select"
        )
    picked = sorted(int(i) for i in np.random.default_rng(swap.seed).choice(candidates, size=want, replace=False))
    prompts = [_last_user(rows[i]) for i in picked]
    if swap.responses is not None:
        responses, teacher = _from_file(swap.responses, prompts)
    else:
        responses, teacher = _from_model(swap, [rows[i]["messages"][:-1] for i in picked])
    out = list(rows)
    swapped, missing = [], 0
    for i, prompt, response in zip(picked, prompts, responses):
        if not response or not response.strip():
            if not skip_invalid:
                fix = "add it to the responses file" if swap.responses else "check the teacher model and its template"
                raise TrainError(
                    f"teacher gave no response for prompt {prompt[:60]!r}; {fix}, or set skip_invalid: true to "
                    "leave such rows unswapped (counted)"
                )
            missing += 1
            continue
        row = dict(rows[i])
        row["messages"] = [*row["messages"][:-1], {"role": "assistant", "content": response.strip()}]
        row["tags"] = [*row.get("tags", []), "teacher-swap"]
        out[i] = row
        swapped.append(row["id"])
    manifest = {
        "select": swap.select.model_dump(exclude_none=True),
        "matched": len(candidates),
        "requested": want,
        "swapped": len(swapped),
        "missing_response": missing,
        "share_of_mixture": len(swapped) / len(rows),
        "teacher": teacher,
        "swapped_ids": swapped,
    }
    return out, manifest


def _selected(row: dict[str, Any], swap: TeacherSwap) -> bool:
    sel = swap.select
    if sel.tag is not None and sel.tag not in row.get("tags", []):
        return False
    if sel.regex is not None and not re.search(sel.regex, _last_user(row), flags=re.IGNORECASE):
        return False
    if sel.classifier is not None:
        from stagewise.judges import string_match_refusal

        refused = string_match_refusal(row["messages"][-1]["content"]) != "full_compliance"
        if refused != (sel.classifier == "refusal"):
            return False
    return True


def _last_user(row: dict[str, Any]) -> str:
    return next(t["content"] for t in reversed(row["messages"]) if t["role"] == "user").strip()


def _from_file(path: str, prompts: list[str]) -> tuple[list[str | None], dict[str, Any]]:
    from stagewise.train._files import file_sha256, local_path

    file = local_path(path)
    if not file.is_file():
        raise TrainError(f"teacher responses file {file} not found; fix teacher_swap.responses")
    table: dict[str, str] = {}
    for n, line in enumerate(file.read_text().splitlines()):
        if not line.strip():
            continue
        item = json.loads(line)
        if not isinstance(item, dict) or not isinstance(item.get("prompt"), str) or "response" not in item:
            raise TrainError(f"{file} line {n + 1}: teacher rows are {{\"prompt\": ..., \"response\": ...}}")
        table[item["prompt"].strip()] = item["response"]
    return [table.get(p) for p in prompts], {"responses": path, "sha256": file_sha256(file)}


def _from_model(swap: TeacherSwap, prompts: list[list[dict[str, str]]]) -> tuple[list[str | None], dict[str, Any]]:
    """Greedy responses from a local model (batched, left-padded)."""
    import torch
    from pydantic import TypeAdapter
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from stagewise.checkpoints import content_hash, load_chat_template, materialize
    from stagewise.checkpoints.sources import Source, parse_source

    source: Any = TypeAdapter(Source).validate_python(parse_source(swap.model))
    path = materialize(source)
    tok = AutoTokenizer.from_pretrained(str(path))
    template = load_chat_template(swap.chat_template) if swap.chat_template else tok.chat_template
    if not template:
        raise TrainError(f"teacher model {swap.model} has no chat template; set teacher_swap.chat_template")
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model = AutoModelForCausalLM.from_pretrained(str(path)).eval()
    stop = [tok.eos_token_id] + [tok.convert_tokens_to_ids(t) for t in ("<end_of_turn>", "<|im_end|>")
                                 if t in tok.get_vocab()]
    out: list[str | None] = []
    for start in range(0, len(prompts), 8):
        texts = [tok.apply_chat_template(p, chat_template=template, tokenize=False, add_generation_prompt=True)
                 for p in prompts[start:start + 8]]
        batch = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode():
            gen = model.generate(**batch, max_new_tokens=swap.max_new_tokens, do_sample=False, eos_token_id=stop,
                                 pad_token_id=tok.pad_token_id)
        out.extend(tok.batch_decode(gen[:, batch["input_ids"].shape[1]:], skip_special_tokens=True))
    return out, {"model": swap.model, "content_hash": content_hash(path), "max_new_tokens": swap.max_new_tokens}
