"""What SFT and DPO share: the partial directory and resume, tokenizer and template checks,
length checks, precision, LoRA, and the atomic final write with its manifest."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stagewise._atomic import atomic_dir, atomic_write_text
from stagewise.train.config import TrainConfig
from stagewise.train.errors import TrainError
from stagewise.train.manifest import MANIFEST, build_manifest, train_summary
from stagewise.train.mixture import RowKind, build_mixture, rows_sha256

RUN_FILE = "stagewise-run.json"
_GENERATION_MARKER = re.compile(r"\{%-?\s*generation\s*-?%\}")


@dataclass
class Prepared:
    """A run ready to train: paths, tokenizer with its template, and the training rows."""

    cfg: TrainConfig
    partial: Path
    base_path: Path
    base_hash: str
    tokenizer: Any
    template: str
    rows: list[dict[str, Any]]
    data_manifest: dict[str, Any]


def log(msg: str) -> None:
    print(f"stagewise train: {msg}", file=sys.stderr, flush=True)


def partial_dir(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def is_finished(out: Path) -> bool:
    return (out / MANIFEST).is_file() and (out / "config.json").is_file()


def prepare(cfg: TrainConfig, kind: RowKind, assistant_only_loss: bool, max_length: int | None) -> Prepared:
    """Materialise the base, settle the chat template, build and check the data, pin the run."""
    if cfg.output_dir.exists():  # not a finished rung (callers check that first): never overwrite it
        raise TrainError(
            f"output_dir {cfg.output_dir} exists but is not a finished stagewise rung; choose another output_dir "
            "or delete it"
        )
    from transformers import AutoTokenizer

    from stagewise.checkpoints import content_hash, load_chat_template, materialize

    base_path = materialize(cfg.base)
    tokenizer = AutoTokenizer.from_pretrained(str(base_path))
    name = cfg.chat_template
    if name is None:
        name = cfg.base.chat_template()
    template = load_chat_template(name) if name else tokenizer.chat_template
    if not template:
        raise TrainError(f"base {base_path} has no chat template; set chat_template: gemma, chatml or a .jinja path")
    if assistant_only_loss and not _GENERATION_MARKER.search(template):
        raise TrainError(
            "the chat template has no {% generation %} markers, which assistant-only loss needs; use a template "
            "with them (chat_template: gemma or chatml) or set trl.assistant_only_loss=false"
        )
    tokenizer.chat_template = template
    log(f"building the {kind} mixture")
    mixed = build_mixture(cfg.mixture, kind, skip_invalid=cfg.skip_invalid)
    rows, too_long = _length_filter(mixed.rows, tokenizer, max_length, kind, cfg.skip_invalid)
    manifest = dict(mixed.manifest)
    manifest.update(skipped_too_long=too_long, max_length=max_length, rows=len(rows), sha256=rows_sha256(rows))
    if not rows:
        raise TrainError("no training rows left after validation; check the mixture sources and max_length")
    prep = Prepared(cfg, partial_dir(cfg.output_dir), base_path, content_hash(base_path), tokenizer, template, rows,
                    manifest)
    _pin_run(prep)
    return prep


def _length_filter(rows: list[dict[str, Any]], tok: Any, max_length: int | None, kind: RowKind,
                   skip: bool) -> tuple[list[dict[str, Any]], int]:
    if max_length is None:
        return rows, 0
    if kind == "sft":
        texts = [tok.apply_chat_template(r["messages"], tokenize=False) for r in rows]
    else:
        texts = [tok.apply_chat_template(r["prompt"] + r[key], tokenize=False) for r in rows for key in ("chosen", "rejected")]
    lengths = [len(ids) for ids in tok(texts, add_special_tokens=False)["input_ids"]]
    if kind != "sft":  # a pair is as long as its longer side
        lengths = [max(a, b) for a, b in zip(lengths[::2], lengths[1::2])]
    keep, dropped = [], 0
    for row, n in zip(rows, lengths):
        if n <= max_length:
            keep.append(row)
        elif skip:
            dropped += 1
        else:
            raise TrainError(
                f"row {row['id']} is {n} tokens, longer than max_length {max_length}; raise trl.max_length, "
                "shorten the row, or set skip_invalid: true to drop and count such rows"
            )
    if dropped:
        log(f"skipped {dropped} rows longer than max_length {max_length} (skip_invalid: true)")
    return keep, dropped


def _pin_run(prep: Prepared) -> None:
    """Record what this partial run trains on; a rerun with other inputs must not resume it."""
    cfg = prep.cfg
    key = {"config": cfg.model_dump(mode="json"), "data_sha256": prep.data_manifest["sha256"], "base": prep.base_hash}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    run_file = prep.partial / RUN_FILE
    if run_file.is_file() and json.loads(run_file.read_text()).get("fingerprint") != digest:
        if any(prep.partial.glob("checkpoint-*")):
            raise TrainError(
                f"{prep.partial} holds an interrupted run with another config, data or base; delete that folder "
                "to start over, or restore the config it was started with to resume"
            )
    if not is_main_process():
        return  # rank 0 pins the run; the others read the same inputs
    prep.partial.mkdir(parents=True, exist_ok=True)
    atomic_write_text(run_file, json.dumps({"fingerprint": digest, **key}, indent=2))
    with (prep.partial / "data.jsonl").open("w") as f:
        for r in prep.rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def is_main_process() -> bool:
    """Rank 0 under `accelerate launch` / torchrun (or a single process)."""
    return int(os.environ.get("RANK", "0")) == 0


def drop_unstarted(out: Path) -> None:
    """Remove the partial dir of a run that failed before its first checkpoint (nothing to resume)."""
    partial = partial_dir(out)
    if partial.is_dir() and not any(partial.glob("checkpoint-*")):
        shutil.rmtree(partial, ignore_errors=True)


def bf16_supported() -> bool:
    """bf16 compute on this machine: a CUDA GPU with bf16, or a CPU with AVX512-BF16/AMX."""
    import torch

    if torch.cuda.is_available():
        return bool(torch.cuda.is_bf16_supported())
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text() if cpuinfo.is_file() else ""
    return "avx512_bf16" in flags or "amx_bf16" in flags


def trl_args(cfg: TrainConfig, config_cls: type, defaults: dict[str, Any]) -> Any:
    """The TRL config: our defaults, then the user's `trl:` keys verbatim, then the output dir."""
    import torch

    values: dict[str, Any] = {"use_cpu": not torch.cuda.is_available(), "report_to": "none", "save_total_limit": 2,
                              **defaults, **cfg.trl}
    values.setdefault("bf16", bf16_supported())
    try:
        return config_cls(output_dir=str(partial_dir(cfg.output_dir)), **values)
    except TypeError as e:
        drop_unstarted(cfg.output_dir)
        bad = re.search(r"keyword argument '(\w+)'", str(e))
        raise TrainError(
            f"trl.{bad.group(1) if bad else '?'} is not a {config_cls.__name__} field; see TRL's docs for its options"
        ) from None
    except ValueError as e:
        drop_unstarted(cfg.output_dir)
        raise TrainError(f"{config_cls.__name__} rejected the trl: section: {str(e).splitlines()[0]}") from None


def load_model(prep: Prepared, args: Any) -> Any:
    """The base model; with LoRA and bf16 its frozen weights are loaded in bf16 (adapters stay fp32)."""
    import torch
    from transformers import AutoModelForCausalLM

    dtype = torch.bfloat16 if (args.bf16 and prep.cfg.lora is not None) else torch.float32
    return AutoModelForCausalLM.from_pretrained(str(prep.base_path), dtype=dtype)


def peft_config(cfg: TrainConfig) -> Any:
    if cfg.lora is None:
        return None
    from peft import LoraConfig

    return LoraConfig(r=cfg.lora.r, lora_alpha=cfg.lora.alpha, lora_dropout=cfg.lora.dropout,
                      target_modules=cfg.lora.target_modules, task_type="CAUSAL_LM")


def train(trainer: Any, prep: Prepared) -> None:
    """Train, resuming from the last complete checkpoint in the partial dir if a previous run was cut."""
    last = last_complete_checkpoint(prep.partial)
    if last:
        log(f"resuming from {last}")
    trainer.train(resume_from_checkpoint=str(last) if last else None)


def last_complete_checkpoint(partial: Path) -> Path | None:
    """The newest `checkpoint-N` that holds weights and a readable trainer state (the Trainer writes
    `trainer_state.json` last); newer, incomplete ones (a kill mid-save) are skipped with a note."""
    steps = sorted((int(m.group(1)), p) for p in partial.glob("checkpoint-*")
                   if p.is_dir() and (m := re.fullmatch(r"checkpoint-(\d+)", p.name)))
    for _, path in reversed(steps):
        if _checkpoint_complete(path):
            return path
        log(f"skipping incomplete {path} (killed while it was being saved)")
    return None


def _checkpoint_complete(path: Path) -> bool:
    try:
        json.loads((path / "trainer_state.json").read_text())
    except (OSError, ValueError):
        return False
    weights = ("model.safetensors", "adapter_model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")
    return any((path / w).is_file() for w in weights)


def finalize(trainer: Any, prep: Prepared) -> Path:
    """Save the trained weights (gathered across ranks), then on the main process merge LoRA into
    the base, write weights + tokenizer + manifest, and rename the rung into place."""
    trained = prep.partial / "trained"
    trainer.save_model(str(trained))  # every rank: DeepSpeed ZeRO-3 / FSDP gather shards here
    trainer.accelerator.wait_for_everyone()
    if trainer.accelerator.is_main_process:
        _write_rung(trainer, prep, trained)
    trainer.accelerator.wait_for_everyone()
    return prep.cfg.output_dir


def _trl_args_dict(args: Any) -> dict[str, Any]:
    values = dict(json.loads(args.to_json_string()))
    for key in ("eos_token", "pad_token"):  # to_dict() masks every `*_token` field as if it were a secret
        if key in values:
            values[key] = getattr(args, key)
    return values


def _write_rung(trainer: Any, prep: Prepared, trained: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    cfg, out = prep.cfg, prep.cfg.output_dir
    if cfg.lora is not None:
        from peft import PeftModel

        # Merge into full-precision base weights, so bf16 training leaves no rounding in the rung.
        base = AutoModelForCausalLM.from_pretrained(str(prep.base_path), dtype=torch.float32)
        model = PeftModel.from_pretrained(base, str(trained)).merge_and_unload()
    else:
        model = AutoModelForCausalLM.from_pretrained(str(trained), dtype=torch.float32)
    source = trainer.model  # its configs carry the eos/pad ids TRL set for the chat template
    model.generation_config = source.generation_config
    for attr in ("eos_token_id", "pad_token_id", "bos_token_id"):
        setattr(model.config, attr, getattr(source.config, attr, None))
    manifest = build_manifest(
        stage=cfg.stage,
        config=cfg.model_dump(mode="json"),
        trl_args=_trl_args_dict(trainer.args),
        data=prep.data_manifest,
        base={"source": cfg.base.model_dump(mode="json"), "path": str(prep.base_path), "content_hash": prep.base_hash},
        summary=train_summary(trainer.state.log_history, trainer.state.global_step),
    )
    with atomic_dir(out) as tmp:
        model.save_pretrained(str(tmp))
        prep.tokenizer.save_pretrained(str(tmp))
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
    shutil.rmtree(prep.partial, ignore_errors=True)
    log(f"wrote {out} (loss {manifest['train']['first_loss']} -> {manifest['train']['last_loss']})")
