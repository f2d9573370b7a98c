"""Per-cluster rates and rung differences for the `user_logs` benchmark of a run study.

Joins the per-sample table (`stagewise.evaluate.results.collect`) with each sample's cluster (from the
Inspect logs' sample metadata), runs the comparison engine (`stagewise.compare.compare`:
intervals, paired differences, TOST equivalence verdicts) on every cluster's items, and
ranks clusters by how much the rungs differ. Clusters reported as -1 (fewer than `k_min`
conversations in the log) are never broken out; clusters with fewer than `min_items`
replayed items are skipped (too few for any verdict).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from stagewise._atomic import atomic_write_text
from stagewise.errors import StagewiseError

BENCHMARK = "user_logs"


def item_clusters(study_dir: Path) -> pd.DataFrame:
    """item_id -> cluster, cluster_name for the user_logs samples of a run study."""
    from inspect_ai.log import read_eval_log_samples

    from stagewise.evaluate.results import latest_logs, load_run_study

    rows: dict[str, tuple[int, str]] = {}
    for rung in load_run_study(study_dir).ladder:
        log = latest_logs(study_dir / "logs" / rung.name).get(BENCHMARK) if (study_dir / "logs" / rung.name).is_dir() \
            else None
        if log is None:
            continue
        for s in read_eval_log_samples(str(log), all_samples_required=False):
            meta = s.metadata or {}
            if "cluster" in meta:
                rows.setdefault(str(s.id), (int(meta["cluster"]), str(meta.get("cluster_name", ""))))
    return pd.DataFrame([(i, c, n) for i, (c, n) in rows.items()], columns=["item_id", "cluster", "cluster_name"])


def cluster_breakdown(study_dir: str | Path, min_items: int = 10, n_boot: int = 500) -> pd.DataFrame:
    """One row per (cluster, metric, rung pair): rates, paired difference, interval, verdict.

    Sorted with the largest absolute differences first. With one rung, rows hold its rates only.
    """
    from stagewise.compare import compare
    from stagewise.evaluate.results import collect

    study_dir = Path(study_dir)
    samples = collect(study_dir, write=False)
    samples = samples[samples["benchmark"] == BENCHMARK]
    clusters = item_clusters(study_dir)
    if samples.empty or clusters.empty:
        raise StagewiseError(f"{study_dir} has no clustered user_logs samples; run a study whose user_logs "
                             "data_path is a `stagewise logs sample` file of a clustered log")
    merged = samples.merge(clusters, on="item_id")
    out: list[dict[str, Any]] = []
    for (cid, name), sub in merged[merged["cluster"] >= 0].groupby(["cluster", "cluster_name"]):
        n_items = sub["item_id"].nunique()
        if n_items < min_items:
            continue
        comp = compare(sub.drop(columns=["cluster", "cluster_name"]), n_boot=n_boot)
        est = {(e.metric, e.rung): e for e in comp.estimates}
        if not comp.differences:
            out += [{"cluster": cid, "cluster_name": name, "metric": e.metric, "n_items": e.n_items, "a": e.rung,
                     "rate_a": e.value, "b": "", "rate_b": float("nan"), "diff": 0.0, "low": float("nan"),
                     "high": float("nan"), "verdict": ""} for e in comp.estimates]
        for d in comp.differences:
            out.append({"cluster": cid, "cluster_name": name, "metric": d.metric, "n_items": d.n_items,
                        "a": d.a, "rate_a": est[(d.metric, d.a)].value, "b": d.b, "rate_b": est[(d.metric, d.b)].value,
                        "diff": d.diff, "low": d.low, "high": d.high, "verdict": d.verdict})
    table = pd.DataFrame(out)
    if table.empty:
        return table
    return table.sort_values("diff", key=lambda s: -s.abs(), kind="stable").reset_index(drop=True)


def main(study_dir: str | Path, min_items: int = 10) -> Path:
    """Write `results/user_logs_clusters.csv` and `.md` for a run study; returns the Markdown path."""
    study_dir = Path(study_dir)
    table = cluster_breakdown(study_dir, min_items)
    out = study_dir / "results"
    atomic_write_text(out / "user_logs_clusters.csv", table.to_csv(index=False))
    lines = ["| cluster | name | metric | n | a | rate a | b | rate b | a - b [95% CI] | verdict |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        ci = f"{r.diff:+.3f} [{r.low:+.3f}, {r.high:+.3f}]" if r.b else ""
        rate_b = f"{r.rate_b:.3f}" if r.b else ""
        lines.append(f"| {r.cluster} | {r.cluster_name} | {r.metric} | {r.n_items} | {r.a} | {r.rate_a:.3f} | {r.b} "
                     f"| {rate_b} | {ci} | {r.verdict} |")
    atomic_write_text(out / "user_logs_clusters.md", "\n".join(lines) + "\n")
    return out / "user_logs_clusters.md"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("study_dir", type=Path, help="a run study's output folder")
    p.add_argument("--min-items", type=int, default=10, help="skip clusters with fewer replayed items")
