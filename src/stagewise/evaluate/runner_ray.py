"""Replay and judging on Ray Data: `stagewise run STUDY --ray-address ADDR`.

The single-turn benchmarks of every local rung (the chat benchmarks: xstest, harmbench,
strongreject, dilemmas, user_logs) are cut into chunks of sample ids. `map_batches` hands the
chunks to a pool of Ray actors; each actor loads the rung once (vLLM on GPU workers, the HF
engine on CPU ones) and runs the *same* Inspect task on its chunk, with the study's local judge
models as roles, into a generation cache of its own. The rows it wrote come back to the driver,
which merges them into the study's content-keyed generation cache and marks the chunk done.

The driver then runs the ordinary `eval_set` for the rung inside `lazy_engines()`: every
generation and every local-judge call is a cache hit, so it renders prompts with the tokenizer,
never loads the weights, and writes the usual Inspect logs. Results, comparison, report and
`inspect view` cannot tell the difference, and nothing Ray did is trusted without going
through the runner.

Resume: a chunk's marker (`OUTPUT_DIR/ray/<rung>/<benchmark>-<key>.done`) is written only
after its rows are in the cache, so an interrupted run redoes at most the chunks in flight.
The key covers the checkpoint content, task arguments, sample ids, epochs, generation
settings and judges, so a changed study is never served stale chunks.

Not on Ray: endpoint rungs (`openai`, `vllm` servers: already served elsewhere; the runner
calls them with full concurrency), agentic benchmarks (their sandboxes run on the driver), and
endpoint judges (calls to an API gain nothing from Ray; the runner makes them). Checkpoint
paths must be readable on the workers: a shared filesystem, or the single machine of a local
Ray instance.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import weakref
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stagewise._atomic import atomic_write_text
from stagewise.checkpoints import ResolvedModel
from stagewise.errors import RunError
from stagewise.evals import benchmark
from stagewise.evaluate.study import Rung, Study

# Environment the workers need to behave like the driver (offline hub, passive OpenMP threads).
_FORWARD_ENV = ("STAGEWISE_CACHE", "HF_HUB_OFFLINE", "HF_HOME", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide to run (the `--ray-*` flags of `stagewise run`)."""

    address: str  # "local" (start a one-machine instance), "auto" (a running cluster) or ray://HOST:PORT
    workers: int = 1  # actors per rung (each loads the model once)
    gpus_per_worker: float = 0.0  # > 0: actors are placed on GPUs and use vLLM where installed
    cpus_per_worker: float | None = None  # default: the cluster's CPUs / workers (CPU), 1 (GPU)
    chunk_size: int = 64  # samples per map_batches item
    engine: str | None = None  # hf | vllm | auto; default: auto on GPU workers, hf otherwise


@dataclass
class RayStats:
    chunks_done: int = 0
    chunks_skipped: int = 0
    rows: int = 0
    seconds: float = 0.0


def prefill_on_ray(study: Study, plans: list[Any], rungs: list[Rung], resolved: dict[str, ResolvedModel],
                   judges: dict[str, ResolvedModel], opts: RayOptions) -> RayStats:
    """Generate (and judge, where the judges are local) every chat benchmark of every local rung
    on Ray, filling the generation cache; return counts for the summary line."""
    ray = _init(opts)
    from tqdm import tqdm

    from stagewise.providers import GenerationCache
    from stagewise.evaluate.tasks import make_task, rung_plans

    stats = RayStats()
    t0 = time.monotonic()
    if not any(benchmark(p.benchmark).kind == "chat" for p in plans):
        print("ray: no single-turn benchmarks in this study; everything runs on the driver")
        return stats
    cache = GenerationCache()
    for rung in rungs:
        model = resolved[rung.name]
        if model.local_path is None:
            print(f"ray: rung {rung.name} is an endpoint ({model.model}); the runner calls it directly")
            continue
        # The plans as this rung runs them (a production rung runs `noise_epochs` epochs), so the
        # cache holds every epoch the runner's `eval_set` will ask for.
        mine = rung_plans(study, rung, plans)
        chunks, skipped = [], 0
        for plan in (p for p in mine if benchmark(p.benchmark).kind == "chat"):
            score = _judged_locally(plan, judges)
            ids = [s.id for s in make_task(plan, study.generation.seed).dataset]
            for start in range(0, len(ids), opts.chunk_size):
                part = ids[start:start + opts.chunk_size]
                marker = _marker(study, rung.name, plan, part, model, judges, score)
                if marker.exists():
                    skipped += 1
                    continue
                chunks.append({"benchmark": plan.benchmark, "ids": json.dumps(part), "score": score,
                               "marker": str(marker)})
        stats.chunks_skipped += skipped
        if not chunks:
            print(f"ray: rung {rung.name}: all {skipped} chunks already done")
            continue
        workers = max(1, min(opts.workers, len(chunks)))
        engine = opts.engine or ("auto" if opts.gpus_per_worker > 0 else "hf")
        ds = ray.data.from_items(chunks, override_num_blocks=len(chunks))
        out = ds.map_batches(
            _Replayer,
            fn_constructor_args=(study, mine, model, judges, engine),
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=workers),
            num_gpus=opts.gpus_per_worker or None,
            num_cpus=_cpus_per_worker(ray, opts, workers),
            batch_format="pandas",
        )
        bar = tqdm(total=len(chunks), desc=f"ray {rung.name}", unit=" chunk", initial=0, mininterval=2)
        # Streamed: each chunk's rows are durable in the cache before its marker is written.
        try:
            for row in out.iter_rows():
                rows = json.loads(row["rows"])
                cache.put_many([(k, v) for k, v in rows])
                atomic_write_text(Path(row["marker"]), json.dumps({"rows": len(rows), "at": time.time()}))
                stats.rows += len(rows)
                stats.chunks_done += 1
                bar.update(1)
        except Exception as e:  # a worker's failure arrives wrapped in Ray's multi-page traceback
            raise RunError(f"ray: rung {rung.name} failed on a worker: {_first_line(e)}; the {stats.chunks_done} "
                           "finished chunks are kept, rerun to resume (or drop --ray-address)") from None
        finally:
            bar.close()
    stats.seconds = time.monotonic() - t0
    print(f"ray: {stats.chunks_done} chunks generated on Ray ({stats.rows} cached generations) "
          f"in {stats.seconds:.1f} s; {stats.chunks_skipped} chunks already done")
    return stats


def _first_line(e: BaseException) -> str:
    """The innermost error's message, out of Ray's wrapped traceback."""
    text = str(e).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):  # Ray puts the original "Type: message" last
        if not ln.startswith(("File ", "^", "~", "Traceback")):
            return ln[:300]
    return type(e).__name__


def _init(opts: RayOptions) -> Any:
    try:
        import ray
    except ImportError:
        raise RunError("--ray-address needs Ray: pip install 'stagewise[ray]' (or drop --ray-address)") from None
    if opts.chunk_size < 1 or opts.workers < 1:
        raise RunError(f"--ray-chunk-size and --ray-workers must be >= 1 (got {opts.chunk_size}, {opts.workers})")
    if not ray.is_initialized():
        env = {k: os.environ[k] for k in _FORWARD_ENV if k in os.environ}
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        try:
            ray.init(address=None if opts.address == "local" else opts.address, include_dashboard=False,
                     log_to_driver=False, runtime_env={"env_vars": env})
        except ConnectionError as e:
            raise RunError(f"cannot reach the Ray cluster at {opts.address!r} ({e}); start one with `ray start "
                           "--head`, or use --ray-address local") from None
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    return ray


def _cpus_per_worker(ray: Any, opts: RayOptions, workers: int) -> float:
    if opts.cpus_per_worker is not None:
        return opts.cpus_per_worker
    if opts.gpus_per_worker > 0:
        return 1.0
    total = float(ray.cluster_resources().get("CPU", 1))
    return max(1.0, total // workers)


def _judged_locally(plan: Any, judges: dict[str, ResolvedModel]) -> bool:
    """Whether the chunk is scored on the worker: offline judges and local models yes, endpoints no."""
    role = plan.task_args.get("judge")
    if role is None or role not in judges:  # string-match / classifier: offline, cheap
        return True
    return judges[role].local_path is not None


def _marker(study: Study, rung: str, plan: Any, ids: list[Any], model: ResolvedModel,
            judges: dict[str, ResolvedModel], score: bool) -> Path:
    blob = json.dumps({
        "content": model.content_id, "benchmark": plan.benchmark, "args": plan.task_args, "epochs": plan.epochs,
        "ids": ids, "generation": study.generation.model_dump(mode="json"), "score": score,
        "judges": {r: j.content_id for r, j in sorted(judges.items())} if score else {},
    }, sort_keys=True, default=str)
    key = hashlib.sha256(blob.encode()).hexdigest()[:20]
    return study.output_dir / "ray" / rung / f"{plan.benchmark}-{key}.done"


class _Replayer:
    """A Ray actor: one rung (and its local judges) loaded once; runs Inspect on chunks of samples."""

    def __init__(self, study: Study, plans: list[Any], model: ResolvedModel, judges: dict[str, ResolvedModel],
                 engine: str) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="stagewise-ray-"))
        weakref.finalize(self, shutil.rmtree, self.tmp, True)
        # This actor's own cache file: its new rows are what it sends back.
        os.environ["STAGEWISE_GEN_CACHE"] = str(self.tmp / "generations.sqlite")
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from stagewise.providers import GenerationCache
        from stagewise.evaluate.tasks import judge_roles

        self.cache = GenerationCache()
        self.watermark = 0
        self.study = study
        self.plans = {p.benchmark: p for p in plans}
        self.model = model
        self.engine = engine
        self.roles = judge_roles(study, judges, local_args={"engine": engine}) or None

    def __call__(self, batch: Any) -> Any:
        import pandas as pd
        from inspect_ai import eval as inspect_eval

        from stagewise.evaluate.tasks import eval_kwargs, make_task

        out = []
        for bench, ids, score, marker in zip(batch["benchmark"], batch["ids"], batch["score"], batch["marker"]):
            task = make_task(self.plans[bench], self.study.generation.seed)
            logs = inspect_eval(
                task, sample_id=json.loads(ids), score=bool(score), model_roles=self.roles,
                log_dir=str(self.tmp / "logs"), display="none", retry_on_error=1,
                **eval_kwargs(self.study, self.model, {"engine": self.engine}),
            )
            failed = [log for log in logs if log.status != "success"]
            if failed:
                err = failed[0].error.message if failed[0].error else failed[0].status
                raise RunError(f"ray worker: {bench} chunk failed: {err}")
            for f in (self.tmp / "logs").glob("*"):
                f.unlink()
            self.watermark, rows = self.cache.rows_since(self.watermark)
            out.append({"marker": marker, "rows": json.dumps(rows)})
        return pd.DataFrame(out)
