"""Batched local generation: one loaded model per checkpoint, requests gathered from all of
Inspect's concurrent samples, sorted by length and run in batches.

Why not Inspect's stock `hf/` provider: it runs fp32 by default, waits 2 s for a batch to fill,
keeps arrival order (so short and long prompts share a padded batch) and samples by default.
Here the dtype follows the hardware, batches form as soon as requests stop arriving, prompts
are sorted by length, and finished rows leave the batch early (see `_decode`).
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty, Queue
from typing import Any

# How long the worker waits for more requests before starting a batch. Inspect submits a whole
# dataset within milliseconds, so a short linger gathers it all without idling.
_LINGER_S = 0.05


@dataclass(frozen=True)
class GenParams:
    """Generation settings that must match for requests to share a batch."""

    max_new_tokens: int
    temperature: float
    top_p: float | None
    top_k: int | None
    stop: tuple[str, ...] = ()


@dataclass
class GenResult:
    text: str
    input_tokens: int
    output_tokens: int
    finished: bool  # stopped on an end-of-turn token (else hit max tokens)
    seconds: float


@dataclass
class _Request:
    prompt: str
    params: GenParams
    future: Future[GenResult] = field(default_factory=Future)


def auto_device() -> str:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def auto_dtype(device: str) -> str:
    """bfloat16 where the hardware computes it natively, else float32 (float16 on older GPUs)."""
    import torch

    if device.startswith("cuda"):
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    if device == "cpu":
        # AVX512-BF16 / AMX make bf16 matmuls ~2x faster than fp32 on CPU; without them bf16 is slow.
        flags = _cpu_flags()
        return "bfloat16" if ("avx512_bf16" in flags or "amx_bf16" in flags) else "float32"
    return "float32"


def auto_batch_size(device: str) -> int:
    if device.startswith("cuda"):
        import torch

        gib = torch.cuda.get_device_properties(0).total_memory / 2**30
        return 256 if gib >= 40 else 64
    # CPU: on 2 idle cores (benchmarks/generation.py) batch 64 beat 32 for a 270M model.
    return 64


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


class Engine:
    """A loaded model and tokenizer with a worker thread that generates in batches."""

    def __init__(self, path: str, *, device: str = "auto", dtype: str = "auto", batch_size: int | None = None,
                 chat_template: str | None = None, end_tokens: tuple[str, ...] = ()) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.path = path
        self.device = auto_device() if device == "auto" else device
        self.dtype = auto_dtype(self.device) if dtype == "auto" else dtype
        self.batch_size = batch_size or auto_batch_size(self.device)
        if self.device == "cpu" and "OMP_NUM_THREADS" not in os.environ:
            torch.set_num_threads(max(1, os.cpu_count() or 1))
        # The tokenizer (seconds for a 262k vocabulary) loads in a thread while the weights load.
        with ThreadPoolExecutor(1) as pool:
            tokenizer = pool.submit(AutoTokenizer.from_pretrained, path)
            # device_map loads straight into place in the target dtype (no full-precision copy first).
            self.model = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, self.dtype),
                                                              device_map=self.device)
            self.tokenizer = tokenizer.result()
        if chat_template is not None:
            self.tokenizer.chat_template = chat_template
        self.model.eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.tokenizer.padding_side = "left"
        self.stop_ids = self._stop_ids(end_tokens)
        self._queue: Queue[_Request] = Queue()
        self._worker = threading.Thread(target=self._loop, name=f"stagewise-engine:{Path(path).name}", daemon=True)
        self._worker.start()

    def _stop_ids(self, end_tokens: tuple[str, ...]) -> list[int]:
        ids: set[int] = set()
        eos = self.model.generation_config.eos_token_id if self.model.generation_config else None
        for e in eos if isinstance(eos, list) else [eos]:
            if e is not None:
                ids.add(int(e))
        if self.tokenizer.eos_token_id is not None:
            ids.add(int(self.tokenizer.eos_token_id))
        for tok in ("<end_of_turn>", "<|im_end|>", "<|eot_id|>", "<|end|>", *end_tokens):
            tid = self.tokenizer.convert_tokens_to_ids(tok)
            if isinstance(tid, int) and tid != self.tokenizer.unk_token_id and tid >= 0:
                ids.add(tid)
        return sorted(ids)

    def submit(self, prompt: str, params: GenParams) -> Future[GenResult]:
        req = _Request(prompt, params)
        self._queue.put(req)
        return req.future

    def generate_many(self, prompts: list[str], params: GenParams) -> list[GenResult]:
        """Synchronous convenience for scripts and benchmarks."""
        futures = [self.submit(p, params) for p in prompts]
        return [f.result() for f in futures]

    # -- worker ---------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the worker; the model is freed once the last reference goes."""
        self._queue.put(None)  # type: ignore[arg-type]

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            pending = [first]
            while True:
                try:
                    item = self._queue.get(timeout=_LINGER_S)
                except Empty:
                    break
                if item is None:
                    self._queue.put(None)  # finish this round, then stop
                    break
                pending.append(item)
            groups: dict[GenParams, list[_Request]] = {}
            for r in pending:
                groups.setdefault(r.params, []).append(r)
            for params, reqs in groups.items():
                self._run_group(params, reqs)

    def _run_group(self, params: GenParams, reqs: list[_Request]) -> None:
        if os.environ.get("STAGEWISE_DEBUG_ENGINE"):
            print(f"[engine] {time.monotonic():.2f} batch of {len(reqs)} requests", flush=True)
        encoded = [self.tokenizer(r.prompt, add_special_tokens=False)["input_ids"] for r in reqs]
        order = sorted(range(len(reqs)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            try:
                results = self._decode([encoded[i] for i in idx], params)
            except Exception as e:  # hand the failure to every waiting sample, keep the worker alive
                for i in idx:
                    reqs[i].future.set_exception(e)
                continue
            for i, res in zip(idx, results):
                reqs[i].future.set_result(res)

    def _decode(self, batch: list[list[int]], params: GenParams) -> list[GenResult]:
        """Generate for one batch of token-id lists (sorted by length, so padding is small)."""
        import torch

        t0 = time.monotonic()
        pad = self.tokenizer.pad_token_id
        width = max(len(x) for x in batch)
        input_ids = torch.tensor([[pad] * (width - len(x)) + x for x in batch], device=self.device)
        attention = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in batch], device=self.device)
        kwargs: dict[str, Any] = dict(
            max_new_tokens=params.max_new_tokens,
            eos_token_id=self.stop_ids,
            pad_token_id=pad,
            do_sample=params.temperature > 0,
        )
        if params.temperature > 0:
            kwargs.update(temperature=params.temperature, top_p=params.top_p, top_k=params.top_k)
        else:
            # Greedy: unset sampling knobs a checkpoint's generation_config may carry (avoids warnings).
            kwargs.update(temperature=None, top_p=None, top_k=None)
        if params.stop:
            kwargs.update(stop_strings=list(params.stop), tokenizer=self.tokenizer)
        with torch.inference_mode():
            out = self.model.generate(input_ids=input_ids, attention_mask=attention, **kwargs)
        new = out[:, width:].tolist()
        elapsed = time.monotonic() - t0
        results = []
        stop = set(self.stop_ids)
        for row, prompt in zip(new, batch):
            n, finished = len(row), False
            for j, tok in enumerate(row):
                if tok in stop:
                    n, finished = j, True
                    break
            text = self.tokenizer.decode(row[:n], skip_special_tokens=True)
            results.append(GenResult(text=text, input_tokens=len(prompt), output_tokens=n + int(finished),
                                     finished=finished, seconds=elapsed))
        return results


_ENGINES: dict[tuple[Any, ...], Engine] = {}
_LOCK = threading.Lock()


def get_engine(path: str, **kwargs: Any) -> Engine:
    """The process-wide engine for a checkpoint: each model is loaded once, whatever asks for it."""
    key = (str(Path(path).resolve()), tuple(sorted((k, str(v)) for k, v in kwargs.items())))
    with _LOCK:
        if key not in _ENGINES:
            _ENGINES[key] = Engine(path, **kwargs)
        return _ENGINES[key]


def release_engines() -> None:
    """Drop every loaded model (the runner calls this between rungs to bound memory)."""
    import gc

    with _LOCK:
        for engine in _ENGINES.values():
            engine.close()
        _ENGINES.clear()
    gc.collect()
