"""The safety battery: one folder per benchmark, each an Inspect task.

A benchmark is a folder `stagewise.evals.<name>/` with `task.py` (the `@task` named `<name>`,
whose parameters are the benchmark's options) and `meta.py` (`BENCHMARK`: the metrics its scorer
writes into `Score.value`, a dict: metric name -> float, `None` when the judge's reply could not
be parsed, key absent when the metric does not apply to the sample). `BENCHMARKS` is found by
listing those folders, so adding a benchmark is adding a folder.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from stagewise.evals._spec import RUNNER_OPTIONS, BenchmarkInfo, MetricSpec

__all__ = ["BENCHMARKS", "RUNNER_OPTIONS", "BenchmarkInfo", "MetricSpec", "benchmark", "benchmark_of_log", "benchmark_of_task"]


def _discover() -> dict[str, BenchmarkInfo]:
    found: dict[str, BenchmarkInfo] = {}
    for mod in pkgutil.iter_modules(__path__):
        if mod.ispkg and not mod.name.startswith("_"):
            info = importlib.import_module(f"{__name__}.{mod.name}.meta").BENCHMARK
            if info.name != mod.name:
                raise RuntimeError(f"stagewise/evals/{mod.name}/meta.py names its benchmark {info.name!r}")
            found[info.name] = info
    return found


BENCHMARKS: dict[str, BenchmarkInfo] = _discover()


def benchmark(name: str) -> BenchmarkInfo:
    """Look up a benchmark by its study-file key."""
    from stagewise.errors import StudyError

    if name not in BENCHMARKS:
        raise StudyError(f"unknown benchmark {name!r}; available: {', '.join(sorted(BENCHMARKS))}")
    return BENCHMARKS[name]


def benchmark_of_task(task_name: str) -> str | None:
    """The benchmark key of an Inspect task name (`xstest` or `stagewise/xstest`), else None."""
    name = task_name.rsplit("/", 1)[-1]
    if name in BENCHMARKS:
        return name
    return next((key for key, info in BENCHMARKS.items() if info.task_function == name), None)


def benchmark_of_log(eval_spec: Any) -> str | None:
    """The benchmark key a log's header records (`stagewise_benchmark`, written by the runner);
    logs from before that field, or written by plain `inspect eval`, fall back to the task name."""
    recorded = (eval_spec.metadata or {}).get("stagewise_benchmark")
    return str(recorded) if recorded else benchmark_of_task(str(eval_spec.task))
