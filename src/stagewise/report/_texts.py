"""Prompts, responses and judge labels read back from the study's Inspect logs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

TEXT_COLUMNS = ("rung", "benchmark", "item_id", "epoch", "prompt", "response", "labels")


def _prompt(sample_input: Any) -> str:
    if isinstance(sample_input, str):
        return sample_input
    parts = []
    for msg in sample_input:
        role = getattr(msg, "role", "")
        text = getattr(msg, "text", "") or str(getattr(msg, "content", ""))
        parts.append(text if role == "user" else f"[{role}] {text}")
    return "\n\n".join(parts)


def _labels(scores: dict[str, Any] | None) -> dict[str, str]:
    """`judge -> label` from the samples' scores (Score.metadata holds `judge` and `label`)."""
    out: dict[str, str] = {}
    for name, score in (scores or {}).items():
        meta = score.metadata or {}
        judge = str(meta.get("judge") or name)
        label = meta.get("label")
        out[judge] = str(label if label is not None else score.value)
    return out


def log_rung_and_benchmark(log: Any) -> tuple[str, str]:
    """The rung (eval.metadata `stagewise_rung`, else the `stagewise/<rung>` model) and benchmark key
    (eval.metadata `stagewise_benchmark`, else the task name mapped onto `stagewise.evals.BENCHMARKS`)."""
    from stagewise.evals import benchmark_of_log

    meta = log.eval.metadata or {}
    rung = meta.get("stagewise_rung") or str(log.eval.model).removeprefix("stagewise/")
    benchmark = benchmark_of_log(log.eval) or str(log.eval.task).rsplit("/", 1)[-1]
    return str(rung), str(benchmark)


def read_texts(log_dir: str | Path, items: Iterable[tuple[str, str]] | None = None) -> pd.DataFrame:
    """One row per (rung, benchmark, item, epoch) from the newest `.eval` log of each rung x benchmark.

    Args:
        log_dir: `STUDY_DIR/logs` (searched recursively).
        items: keep only these (benchmark, item_id) pairs; None keeps everything.

    Returns:
        DataFrame with TEXT_COLUMNS; `labels` is a dict judge -> label. Empty when there are no logs.
    """
    from inspect_ai.log import read_eval_log

    wanted = None if items is None else {(str(b), str(i)) for b, i in items}
    newest: dict[tuple[str, str], tuple[str, Path]] = {}
    for path in sorted(Path(log_dir).rglob("*.eval")) if Path(log_dir).is_dir() else []:
        header = read_eval_log(str(path), header_only=True)
        key = log_rung_and_benchmark(header)
        if key not in newest or header.eval.created > newest[key][0]:
            newest[key] = (header.eval.created, path)
    rows = []
    for (rung, benchmark), (_, path) in sorted(newest.items()):
        if wanted is not None and not any(b == benchmark for b, _ in wanted):
            continue
        for s in read_eval_log(str(path)).samples or []:
            if wanted is not None and (benchmark, str(s.id)) not in wanted:
                continue
            rows.append({
                "rung": rung, "benchmark": benchmark, "item_id": str(s.id), "epoch": int(s.epoch),
                "prompt": _prompt(s.input), "response": s.output.completion if s.output else "",
                "labels": _labels(s.scores),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(TEXT_COLUMNS))
