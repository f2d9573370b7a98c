"""Per-sample results from a study's Inspect logs, and the per-rung table with 95% intervals.

`collect` flattens every log into one row per (rung, benchmark, metric, item, epoch): the
paired, item-level data that `compare` and `report` build on (docs/architecture.md,
"Contract 2"). `summarize` gives rung x metric estimates with Wilson intervals for rates.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stagewise._atomic import atomic_write_bytes, atomic_write_text
from stagewise.compare import wilson_interval
from stagewise.errors import RunError
from stagewise.evals import BENCHMARKS, benchmark_of_log
from stagewise.evaluate.study import Study, load_study

COLUMNS = ["rung", "stage", "rung_index", "benchmark", "metric", "item_id", "epoch", "value", "judge"]
Z95 = 1.959963984540054


def load_run_study(study_dir: Path) -> Study:
    """The study as it was run (OUTPUT_DIR/study.yaml, written by `stagewise run`)."""
    path = Path(study_dir) / "study.yaml"
    if not path.is_file():
        raise RunError(f"{study_dir} is not a study output dir (no study.yaml); run `stagewise run STUDY.yaml` first")
    return load_study(path)


def latest_logs(rung_dir: Path) -> dict[str, Path]:
    """The newest readable log per benchmark in one rung's log folder."""
    from inspect_ai.log import read_eval_log

    found: dict[str, tuple[str, Path]] = {}
    for f in sorted(rung_dir.glob("*.eval")):
        try:
            header = read_eval_log(str(f), header_only=True)
        except Exception as e:  # corrupt zip, truncated JSON...: name the file, say how to recover
            raise RunError(
                f"log {f} is corrupt or truncated ({type(e).__name__}); rerun `stagewise run` on the study "
                "(it moves the file aside and recomputes that task from the generation cache)"
            ) from None
        bench = benchmark_of_log(header.eval)
        if bench is None:
            continue
        stamp = header.eval.created
        if bench not in found or stamp > found[bench][0]:
            found[bench] = (stamp, f)
    return {b: p for b, (_, p) in found.items()}


def collect(study_dir: str | Path, *, write: bool = True) -> pd.DataFrame:
    """One row per (rung, benchmark, metric, item, epoch); NaN value = judge reply unparsable.

    Also writes `STUDY_DIR/results/samples.parquet` unless `write` is False.
    """
    from inspect_ai.log import read_eval_log_samples

    study_dir = Path(study_dir)
    study = load_run_study(study_dir)
    rows: list[tuple[Any, ...]] = []
    for index, rung in enumerate(study.ladder):
        rung_dir = study_dir / "logs" / rung.name
        if not rung_dir.is_dir():
            continue
        for bench, log in latest_logs(rung_dir).items():
            for sample in read_eval_log_samples(str(log), all_samples_required=False):
                if sample.error is not None or not sample.scores:
                    continue
                for score in sample.scores.values():
                    if not isinstance(score.value, dict):
                        continue
                    judge = str((score.metadata or {}).get("judge", ""))
                    for metric, value in score.value.items():
                        v = math.nan if value is None else float(value)
                        rows.append((rung.name, rung.stage, index, bench, metric, str(sample.id), int(sample.epoch),
                                     v, judge))
    df = pd.DataFrame(rows, columns=COLUMNS)
    if write:
        buf = df.to_parquet(index=False)
        atomic_write_bytes(study_dir / "results" / "samples.parquet", buf)
    return df


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """Rung x metric table: estimate, 95% interval, n scored and n unscored.

    Rates with one value per item use Wilson; otherwise (several epochs, or mean metrics) the
    interval is normal over item means, so repeated epochs are not counted as new items.
    """
    out = []
    keys = ["rung_index", "rung", "stage", "benchmark", "metric"]
    for key, g in df.groupby(keys, sort=True):
        scored = g.dropna(subset=["value"])
        per_item = scored.groupby("item_id")["value"].mean().to_numpy()
        n = len(per_item)
        kind = BENCHMARKS[key[3]].metric(key[4]).kind if key[3] in BENCHMARKS else "mean"
        est = float(per_item.mean()) if n else math.nan
        binary = kind == "rate" and scored.groupby("item_id").size().max() == 1 if n else False
        if binary:
            lo_a, hi_a = wilson_interval(float(per_item.sum()), n)
            lo, hi = float(lo_a), float(hi_a)
        elif n > 1:
            half = Z95 * float(per_item.std(ddof=1)) / math.sqrt(n)
            lo, hi = est - half, est + half
        else:
            lo = hi = math.nan
        out.append((*key, est, lo, hi, n, int(g["value"].isna().sum())))
    return pd.DataFrame(out, columns=[*keys, "estimate", "ci_low", "ci_high", "n", "n_unscored"])


def write_summary(study_dir: Path, table: pd.DataFrame) -> tuple[Path, Path]:
    res = study_dir / "results"
    csv_path, json_path = res / "summary.csv", res / "summary.json"
    atomic_write_text(csv_path, table.to_csv(index=False))
    records = json.loads(table.to_json(orient="records"))
    atomic_write_text(json_path, json.dumps(records, indent=2))
    return csv_path, json_path


def print_table(table: pd.DataFrame) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="stagewise results (95% intervals)")
    for col in ("rung", "stage", "metric", "estimate", "95% CI", "n", "unscored"):
        t.add_column(col, justify="right" if col in ("estimate", "95% CI", "n", "unscored") else "left")
    for r in table.itertuples():
        ci = "—" if np.isnan(r.ci_low) else f"[{r.ci_low:.3f}, {r.ci_high:.3f}]"
        est = "—" if np.isnan(r.estimate) else f"{r.estimate:.3f}"
        t.add_row(r.rung, r.stage, f"{r.benchmark}/{r.metric}", est, ci, str(r.n), str(r.n_unscored))
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)  # logs and pipes: don't squeeze the table to 80 columns
    console.print(t)


def main(study_dir: str | Path) -> Path:
    """Collect per-sample results, write samples.parquet, summary.csv and summary.json."""
    study_dir = Path(study_dir)
    df = collect(study_dir)
    if df.empty:
        raise RunError(f"no finished samples under {study_dir}/logs; run `stagewise run` first")
    table = summarize(df)
    write_summary(study_dir, table)
    return study_dir / "results"


def partial_notes(study: Study) -> list[str]:
    """One line per unfinished rung x benchmark (done of planned), so a 13-item rung is never read
    as comparable with a 20-item one without a word."""
    from stagewise.evaluate.status import study_status

    return [f"warning: {r.rung} x {r.benchmark} is {r.state}: {r.done} of {r.total or '?'} samples scored; its "
            "estimates cover only those (rerun `stagewise run` to finish; `compare` pairs on the common items)"
            for r in study_status(study) if r.state in ("partial", "error")]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study_dir", type=Path, help="a study's output dir (holds study.yaml and logs/)")


def run(args: argparse.Namespace) -> int:
    study_dir: Path = args.study_dir
    out = main(study_dir)
    print_table(pd.read_csv(out / "summary.csv"))
    for line in partial_notes(load_run_study(study_dir)):
        print(line)
    print(f"wrote {out / 'summary.csv'}, {out / 'summary.json'} and {out / 'samples.parquet'}")
    return 0
