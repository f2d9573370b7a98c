"""Build the report files from a Comparison: HTML, Markdown, JSON, CSV, SVG plots."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from stagewise._atomic import atomic_write_text
from stagewise._extras import installed, message
from stagewise.compare import Comparison, save, summary, tables, to_dict
from stagewise.report import _plots
from stagewise.report._data import count_disagreements, disagreeing_items, load_judges
from stagewise.report._html import page
from stagewise.report._markdown import markdown
from stagewise.report._texts import TEXT_COLUMNS, read_texts

# Cards in the HTML page; every disagreeing item is in report_items.csv regardless.
MAX_HTML_ITEMS = 300


# Shown above the report (and printed by `stagewise report`) when the plots cannot be drawn.
NO_PLOTS = f"the report has no plots: {message('drawing them', 'report')}"


def render(c: Comparison) -> dict[str, Any]:
    """All plots as SVG text: {"ladder": {metric: svg}, "forest": {pair: svg}, "attribution": svg}.

    Without matplotlib (the `report` extra) every plot is a one-line SVG saying so: the tables,
    verdicts and items of the report do not need it."""
    pairs = list(dict.fromkeys(([c.main_pair] if c.main_pair else []) + list(c.chosen_pairs)))
    if not installed("matplotlib"):
        return {
            "ladder": {m.id: _plots.placeholder(f"ladder plot of {m.id}") for m in c.metrics},
            "forest": {p: _plots.placeholder(f"forest plot of {p[0]} vs {p[1]}") for p in pairs},
            "attribution": _plots.placeholder("attribution plot"),
        }
    return {
        "ladder": {m.id: _plots.ladder_plot(c, m.id) for m in c.metrics},
        "forest": {p: _plots.forest_plot(c, p) for p in pairs},
        "attribution": _plots.attribution_plot(c),
    }


def _csv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue()


def build_report(
    c: Comparison,
    out_dir: Path,
    title: str = "stagewise report",
    texts: pd.DataFrame | None = None,
    judges: list[dict[str, Any]] | None = None,
    clusters: pd.DataFrame | None = None,
    warnings: Sequence[str] = (),
) -> Path:
    """Write report.html, report.md, report.json, report_*.csv and plots/*.svg into `out_dir`.

    Args:
        c: the comparison to show.
        out_dir: the report folder (created).
        title: page title.
        texts: prompts/responses/labels (`read_texts`); None or empty shows values only.
        judges: judge agreement rows (`load_judges`).
        clusters: per-cluster user-log rates (`stagewise logs compare`), largest gaps first.
        warnings: lines shown above everything else, e.g. rungs that are partial (done of planned).

    Returns:
        The path of report.html.
    """
    texts = texts if texts is not None else pd.DataFrame(columns=list(TEXT_COLUMNS))
    judges = judges or []
    plots = render(c)
    total = count_disagreements(c)
    items = disagreeing_items(c, texts)
    plot_files: dict[str, str] = {}
    for metric, svg in plots["ladder"].items():
        plot_files[f"ladder {metric}"] = f"plots/ladder_{metric.replace('/', '__')}.svg"
    for (a, b) in plots["forest"]:
        plot_files[f"forest {a} {b}"] = f"plots/forest_{a}__{b}.svg"
    plot_files["attribution"] = "plots/attribution.svg"
    svgs = {**{f"ladder {m}": s for m, s in plots["ladder"].items()},
            **{f"forest {a} {b}": s for (a, b), s in plots["forest"].items()}, "attribution": plots["attribution"]}  # fmt: skip
    for key, rel in plot_files.items():
        atomic_write_text(out_dir / rel, svgs[key])
    for name, df in tables(c).items():
        atomic_write_text(out_dir / f"report_{name}.csv", _csv(df))
    atomic_write_text(out_dir / "report.json", json.dumps(
        {"title": title, "summary": summary(c), "comparison": to_dict(c), "judges": judges}, indent=1, allow_nan=False,
        default=str))  # fmt: skip
    item_rows = [{"metric": it["metric"], "a": it["a"], "b": it["b"], "item_id": it["item_id"],
                  "value_a": it["value_a"], "value_b": it["value_b"], "prompt": it["prompt"],
                  **{f"response[{r['rung']}]": r["response"] for r in it["rungs"]},
                  **{f"labels[{r['rung']}]": json.dumps(r["labels"]) for r in it["rungs"]}} for it in items]  # fmt: skip
    atomic_write_text(out_dir / "report_items.csv", _csv(pd.DataFrame(item_rows)))
    if judges:
        flat = [{k: v for k, v in j.items() if k != "confusion"} | {"confusion": json.dumps(j["confusion"])} for j in judges]
        atomic_write_text(out_dir / "report_judges.csv", _csv(pd.DataFrame(flat)))
    atomic_write_text(out_dir / "report.md", markdown(title, c, plot_files, judges, total, warnings))
    html_path = out_dir / "report.html"
    atomic_write_text(html_path, page(title, c, plots, judges, items[:MAX_HTML_ITEMS], total, clusters, warnings))
    return html_path


def main(
    study_dir: str | Path,
    pairs: Sequence[tuple[str, str]] = (),
    n_boot: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    alpha: float = 0.05,
    out_dir: str | Path | None = None,
    comparison: Comparison | None = None,
) -> Path:
    """Compare a study and write its report into `STUDY_DIR/report/` (or `out_dir`); returns report.html.

    Pass `comparison` (from `stagewise.compare.compare_study`) to reuse one already computed;
    the comparison options are then ignored.
    """
    study_dir = Path(study_dir)
    if comparison is not None:
        c = comparison
        save(c, study_dir / "results")
    else:
        c = _comparison(study_dir, pairs, n_boot, seed, confidence, alpha)
    wanted = {(g.metric.partition("/")[0], i) for g in c.agreement for i, _, _ in g.disagreements}
    texts = read_texts(study_dir / "logs", wanted)
    judges = load_judges(study_dir / "results" / "judges.json")
    title = _study_name(study_dir)
    # Written by `stagewise logs compare` (clusters under the study's k threshold are already out).
    clusters_csv = study_dir / "results" / "user_logs_clusters.csv"
    clusters = pd.read_csv(clusters_csv) if clusters_csv.is_file() and clusters_csv.stat().st_size > 1 else None
    notes = _partial_notes(study_dir) + ([] if installed("matplotlib") else [NO_PLOTS])
    return build_report(c, Path(out_dir) if out_dir else study_dir / "report", f"{title}: stage comparison", texts,
                        judges, clusters, notes)


def _comparison(study_dir: Path, pairs: Sequence[tuple[str, str]], n_boot: int, seed: int, confidence: float,
                alpha: float) -> Comparison:
    """`results/compare.json` as `stagewise compare` wrote it, when it is newer than the samples,
    logs and study.yaml and has the same settings; otherwise compare now and save it."""
    from stagewise.compare import compare_study
    from stagewise.compare import is_fresh, load_comparison, study_logs

    results = study_dir / "results"
    path = results / "compare.json"
    if is_fresh(path, [*study_logs(study_dir), study_dir / "study.yaml", results / "samples.parquet"]):
        c = load_comparison(path, pairs, n_boot=n_boot, seed=seed, confidence=confidence, alpha=alpha)
        if c is not None:
            return c
    c = compare_study(study_dir, pairs, n_boot, seed, confidence, alpha)
    save(c, results)
    return c


def _partial_notes(study_dir: Path) -> list[str]:
    """One warning per rung x benchmark that is not finished (done of planned), as `results` prints."""
    from stagewise.evaluate.results import load_run_study, partial_notes

    if not (study_dir / "study.yaml").is_file():
        return []
    return [line.removeprefix("warning: ") for line in partial_notes(load_run_study(study_dir))]


def _study_name(study_dir: Path) -> str:
    from stagewise.evaluate.results import load_run_study

    return load_run_study(study_dir).name if (study_dir / "study.yaml").is_file() else study_dir.name
