"""What the report shows beyond the Comparison: judge agreement and the disagreeing items."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from stagewise.compare import Comparison
from stagewise.errors import StagewiseError

JUDGE_KEYS = ("judge", "benchmark", "n", "accuracy", "kappa", "confusion")


class ReportError(StagewiseError):
    """The report cannot be built from what is on disk."""


def load_judges(path: Path) -> list[dict[str, Any]]:
    """Judge agreement rows from `results/judges.json` (written by `stagewise judges validate`).

    Expected: a list of `{judge, benchmark, n, accuracy, kappa, confusion: {labels, matrix}}`,
    `matrix[i][j]` = items with human label `labels[i]` and judge label `labels[j]`.
    Returns [] when the file does not exist.
    """
    if not path.is_file():
        return []
    data = json.loads(path.read_text())
    if not isinstance(data, list):
        raise ReportError(f"{path} must hold a JSON list of judge rows; rerun `stagewise judges validate`")
    for i, row in enumerate(data):
        missing = [k for k in JUDGE_KEYS if not isinstance(row, dict) or k not in row]
        if missing:
            raise ReportError(f"{path}: row {i} lacks {', '.join(missing)}; rerun `stagewise judges validate`")
        conf = row["confusion"]
        if not isinstance(conf, dict) or len(conf.get("matrix", [])) != len(conf.get("labels", [])):
            raise ReportError(f"{path}: row {i} confusion needs `labels` and a square `matrix` of the same size")
    return data


def disagreeing_items(c: Comparison, texts: pd.DataFrame, limit: int | None = None) -> list[dict[str, Any]]:
    """Items where the compared rungs disagree, with the prompt and each rung's response and labels.

    Args:
        c: the comparison (its `agreement` lists the disagreeing items per metric and pair).
        texts: `read_texts` output (may be empty: the cards then carry values only).
        limit: keep at most this many items (None: all).

    Returns:
        One dict per (metric, pair, item): metric, a, b, item_id, value_a, value_b, prompt, rungs
        (list of {rung, response, labels}).
    """
    by_item: dict[tuple[str, str], pd.DataFrame] = {}
    if not texts.empty:
        first = texts.sort_values("epoch").drop_duplicates(["rung", "benchmark", "item_id"])
        by_item = {key: g for key, g in first.groupby(["benchmark", "item_id"], sort=False)}
    order = {r.name: r.index for r in c.rungs}
    out: list[dict[str, Any]] = []
    for g in c.agreement:
        benchmark = g.metric.partition("/")[0]
        for item_id, va, vb in g.disagreements:
            if limit is not None and len(out) >= limit:
                return out
            t = by_item.get((benchmark, item_id))
            rungs = []
            prompt = ""
            if t is not None:
                prompt = str(t["prompt"].iloc[0])
                for row in sorted(t.itertuples(), key=lambda r: order.get(r.rung, math.inf)):
                    rungs.append({"rung": row.rung, "response": row.response, "labels": dict(row.labels)})
            out.append({"metric": g.metric, "a": g.a, "b": g.b, "item_id": item_id, "value_a": va, "value_b": vb,
                        "prompt": prompt, "rungs": rungs})  # fmt: skip
    return out


def count_disagreements(c: Comparison) -> int:
    """All disagreeing (metric, pair, item) rows, shown or not."""
    return sum(len(g.disagreements) for g in c.agreement)
