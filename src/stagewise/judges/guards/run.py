"""Run a named classifier: load its weights once (transformers, or an OpenAI-compatible
`/completions` endpoint serving them, e.g. vLLM), build its published prompt, and parse its output.

Generating classifiers (WildGuard, Llama Guard, HarmBench's) decode greedily; scoring ones
(ShieldGemma, StrongREJECT's evaluator) read the next-token distribution over their answer tokens.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import math
import os
import threading
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from stagewise.errors import StagewiseError
from stagewise.judges.guards.catalog import GUARDS
from stagewise.judges.guards.verdict import GuardInput, GuardVerdict
from stagewise.judges.spec import NamedClassifier

_LOCK = threading.Lock()  # one classifier call at a time per process (the weights are shared)


class GuardError(StagewiseError):
    """A named classifier cannot run: weights missing, an answer token absent from its vocabulary."""


def module(name: str) -> ModuleType:
    """The module implementing the classifier `name` (its prompt format and parsing)."""
    return importlib.import_module(f"stagewise.judges.guards.{GUARDS[name].module}")


def classify_many(spec: NamedClassifier, prompts: Sequence[str], responses: Sequence[str]) -> list[GuardVerdict]:
    """Verdicts for (prompt, response) pairs, in order."""
    return [classify_one(spec, GuardInput(p, r)) for p, r in zip(prompts, responses)]


async def classify(spec: NamedClassifier, item: GuardInput) -> GuardVerdict:
    """`classify_one` off the event loop (a scorer awaits it)."""
    return await asyncio.to_thread(classify_one, spec, item)


def classify_one(spec: NamedClassifier, item: GuardInput) -> GuardVerdict:
    """Build the classifier's prompt for `item`, run it, and parse what it says."""
    mod = module(spec.name)
    with _LOCK:
        engine = backend(spec.source)
        prompt = mod.build_prompt(item, engine.tokenizer, GUARDS[spec.name].variant)
        if mod.KIND == "generate":
            return mod.parse(engine.generate(prompt, mod.ADD_SPECIAL_TOKENS, mod.MAX_NEW_TOKENS))  # type: ignore[no-any-return]
        probs = engine.probs(prompt, mod.ADD_SPECIAL_TOKENS, mod.SCORE_TOKENS)
    if probs is None:
        return GuardVerdict(raw="", parsed=False)
    raw = ", ".join(f"{t}:{p:.4f}" for t, p in zip(mod.SCORE_TOKENS, probs))
    return mod.from_probs(probs, raw)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=2)
def backend(source: str) -> Any:
    """The loaded weights behind a study source string (cached: a run loads each classifier once)."""
    from stagewise.evaluate.study import Judge

    try:
        src = Judge(source=source, classifier="wildguard").source  # any name: only the source is checked
    except ValueError as e:
        raise GuardError(f"classifier weights {source!r}: {str(e).splitlines()[-1].strip()}") from None
    if src.kind == "openai":
        key = os.environ.get(src.api_key_env) if src.api_key_env else os.environ.get("OPENAI_API_KEY")
        return Endpoint(src.base_url.rstrip("/"), src.model, key or "EMPTY")
    return Local(_weights_dir(src))


def _weights_dir(src: Any) -> Path:
    if src.kind == "hf" and (Path(src.path) / "adapter_config.json").is_file():
        return Path(src.path)  # a PEFT adapter (StrongREJECT's evaluator): transformers loads its base
    from stagewise.checkpoints import materialize

    return materialize(src)


class Local:
    """Weights loaded with transformers (a PEFT adapter directory loads its base model too)."""

    def __init__(self, path: Path) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype).to(self.device).eval()

    def _ids(self, prompt: str, add_special: bool) -> Any:
        return self.tokenizer(prompt, add_special_tokens=add_special, return_tensors="pt").to(self.device)

    def generate(self, prompt: str, add_special: bool, max_new_tokens: int) -> str:
        import torch

        enc = self._ids(prompt, add_special)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        with torch.no_grad():
            out = self.model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad)
        return str(self.tokenizer.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=True))

    def probs(self, prompt: str, add_special: bool, tokens: Sequence[str]) -> list[float] | None:
        import torch

        vocab = self.tokenizer.get_vocab()
        missing = [t for t in tokens if t not in vocab]
        if missing:
            raise GuardError(f"the classifier's tokenizer has no token {missing[0]!r}; these weights are not "
                             "the classifier they are named as")
        with torch.no_grad():
            logits = self.model(**self._ids(prompt, add_special)).logits[0, -1].float()
        return [float(p) for p in logits[[vocab[t] for t in tokens]].softmax(dim=-1)]


class Endpoint:
    """An OpenAI-compatible `/completions` endpoint serving the classifier (raw prompt, no chat template)."""

    tokenizer = None

    def __init__(self, base_url: str, model: str, api_key: str) -> None:
        self.base_url, self.model, self.api_key = base_url, model, api_key

    def _complete(self, prompt: str, **body: Any) -> dict[str, Any]:
        req = urllib.request.Request(
            f"{self.base_url}/completions", method="POST",
            data=json.dumps({"model": self.model, "prompt": prompt, "temperature": 0.0, **body}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:  # noqa: S310 - the user's endpoint
                return json.loads(r.read())  # type: ignore[no-any-return]
        except (OSError, ValueError) as e:
            raise GuardError(f"classifier endpoint {self.base_url} ({self.model}) failed: {e}; "
                             "check that it serves the classifier's weights") from None

    def generate(self, prompt: str, add_special: bool, max_new_tokens: int) -> str:
        return str(self._complete(prompt, max_tokens=max_new_tokens)["choices"][0].get("text") or "")

    def probs(self, prompt: str, add_special: bool, tokens: Sequence[str]) -> list[float] | None:
        choice = self._complete(prompt, max_tokens=1, logprobs=20)["choices"][0]
        top = ((choice.get("logprobs") or {}).get("top_logprobs") or [{}])[0] or {}
        logps = [top.get(t, top.get(f" {t}")) for t in tokens]
        if all(lp is None for lp in logps):
            return None  # none of the answer tokens among the top 20: unscored, never guessed
        ex = [math.exp(lp) if lp is not None else 0.0 for lp in logps]
        return [e / sum(ex) for e in ex]
