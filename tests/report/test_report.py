"""`stagewise report STUDY_DIR`: one self-contained HTML page plus Markdown, CSV and JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from stagewise.cli import main
from stagewise.report import ReportError, load_judges


def test_report_files_and_content(study_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(study_dir), "--n-boot", "300", "--pair", "base:sft"]) == 0
    assert "report.html" in capsys.readouterr().out
    out = study_dir / "report"
    html = (out / "report.html").read_text()
    # Self-contained: no external scripts, styles, images or fonts.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "<script src" not in html
    # Plots: one ladder per metric, a forest per headline/chosen pair, the attribution bars.
    assert html.count("<figure class=ladder><svg") == 3
    assert "id='forest-0'><svg" in html and "id=attribution><svg" in html
    # The summary states verdicts in words; judges and disagreeing items are shown.
    assert re.search(r"base is within .* of sft on \d of 3 metrics", html)
    assert "minilm-probe" in html and "0.78" in html
    assert "[production] answer to" in html or "[base] answer to" in html
    assert "id=filter" in html
    data = json.loads((out / "report.json").read_text())
    assert data["summary"] and data["comparison"]["main_pair"] == ["base", "sft"]
    assert len(data["judges"]) == 2
    md = (out / "report.md").read_text()
    assert "## base − sft" in md and "| metric |" in md and "plots/attribution.svg" in md
    assert (out / "plots" / "attribution.svg").read_text().startswith("<svg")
    items = pd.read_csv(out / "report_items.csv")
    assert len(items) > 0 and "response[sft]" in items.columns
    assert (study_dir / "results" / "compare.json").is_file()
    est = pd.read_csv(out / "report_estimates.csv")
    assert len(est) == 3 * 4


def test_report_without_logs_or_judges(study_dir: Path) -> None:
    import shutil

    from stagewise.report import main as report_main

    from stagewise.compare import compare_study

    shutil.rmtree(study_dir / "logs")
    (study_dir / "results" / "judges.json").unlink()
    c = compare_study(study_dir, n_boot=200)
    html = report_main(study_dir, comparison=c).read_text()
    assert "No judge validation found" in html and "prompt not in logs" in html


def test_load_judges_schema(tmp_path: Path) -> None:
    p = tmp_path / "judges.json"
    assert load_judges(p) == []
    p.write_text(json.dumps([{"judge": "x", "benchmark": "xstest", "n": 3}]))
    with pytest.raises(ReportError, match="lacks accuracy, kappa, confusion"):
        load_judges(p)
    p.write_text(json.dumps({"judge": "x"}))
    with pytest.raises(ReportError, match="JSON list"):
        load_judges(p)


def test_report_edge_cases(tmp_path: Path) -> None:
    """No base rung, a rung that skipped a benchmark, an all-unscored rung: still a full report."""
    import numpy as np

    from stagewise.compare import compare
    from stagewise.compare.synthetic import synthetic_samples
    from stagewise.report import build_report

    df = synthetic_samples(n_rungs=3, n_items=60, metrics={"xstest/over_refusal": "rate", "harmbench/asr": "rate"})
    df = df[(df["rung"] != "base")]
    df = df[~((df["rung"] == "sft") & (df["benchmark"] == "harmbench"))].copy()
    df.loc[(df["rung"] == "production") & (df["benchmark"] == "xstest"), "value"] = np.nan
    c = compare(df, specs={}, n_boot=200)
    assert c.base is None and not c.attribution
    assert all(d.verdict == "inconclusive" for d in c.differences)
    html = build_report(c, tmp_path / "r").read_text()
    assert "inconclusive" in html and html.count("<svg") >= 4


def test_compare_collects_from_logs_when_samples_missing(study_dir: Path) -> None:
    """Without results/samples.parquet, the table is rebuilt from the Inspect logs (stagewise.evaluate.results)."""
    from stagewise.compare import compare_study

    before = pd.read_parquet(study_dir / "results" / "samples.parquet")
    (study_dir / "results" / "samples.parquet").unlink()
    c = compare_study(study_dir, n_boot=200)
    assert (study_dir / "results" / "samples.parquet").is_file()
    # The logs hold epoch 1 only: the rebuilt estimates match the table's epoch-1 values.
    first = before[before["epoch"] == 1]
    want = first[(first["rung"] == "sft") & (first["metric"] == "over_refusal")]["value"].mean()
    got = next(e.value for e in c.estimates if e.rung == "sft" and e.metric == "xstest/over_refusal")
    assert got == pytest.approx(want)


def test_report_shows_user_log_clusters_when_present(study_dir: Path) -> None:
    import pandas as pd

    from stagewise.report import main as report_main

    rows = [
        {"cluster": 3, "cluster_name": "cooking recipes", "metric": "user_logs/refusal", "n_items": 40, "a": "sft",
         "rate_a": 0.30, "b": "production", "rate_b": 0.05, "diff": 0.25, "low": 0.10, "high": 0.40, "verdict": "different"},
        {"cluster": 7, "cluster_name": "tax questions", "metric": "user_logs/refusal", "n_items": 30, "a": "sft",
         "rate_a": 0.10, "b": "production", "rate_b": 0.08, "diff": 0.02, "low": -0.05, "high": 0.09,
         "verdict": "inconclusive"},
    ]
    pd.DataFrame(rows).to_csv(study_dir / "results" / "user_logs_clusters.csv", index=False)
    html = report_main(study_dir, n_boot=200).read_text()
    assert "User-log clusters where the rungs differ most" in html
    assert html.index("cooking recipes") < html.index("tax questions")
    assert "+25.0 [+10.0, +40.0]" in html


def test_report_reads_compare_json_and_recomputes_when_stale(study_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import time

    import stagewise.compare as compare_pkg
    from stagewise.compare import compare_study
    from stagewise.compare._io import load_samples
    from stagewise.compare._load import from_dict
    from stagewise.compare._io import to_dict
    from stagewise.report import main as report_main

    assert main(["compare", str(study_dir), "--n-boot", "200"]) == 0
    saved = json.loads((study_dir / "results" / "compare.json").read_text())
    assert to_dict(from_dict(saved)) == saved  # the JSON round-trips to the same Comparison
    calls: list[int] = []
    real = compare_study
    monkeypatch.setattr(compare_pkg, "compare_study", lambda *a, **k: calls.append(1) or real(*a, **k))
    report_main(study_dir, n_boot=200)
    assert calls == [], "a fresh compare.json with the same settings is read, not recomputed"
    report_main(study_dir, n_boot=300)
    assert calls == [1], "other settings: recomputed"
    # A log newer than the derived files: samples.parquet and compare.json are both rebuilt.
    log = next((study_dir / "logs").rglob("*.eval"))
    later = time.time() + 5
    os.utime(log, (later, later))
    assert load_samples(study_dir).groupby("rung").epoch.nunique().max() == 1  # collected from the (1-epoch) logs
    report_main(study_dir, n_boot=300)
    assert calls == [1, 1]


def test_partial_rungs_are_flagged_at_the_top_of_the_report(study_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rung x benchmark that is not finished is named, done of planned, above the verdicts."""
    import stagewise.evaluate.results as results
    from stagewise.report import main as report_main

    line = "warning: sft x xstest is partial: 3 of 6 samples scored; its estimates cover only those"
    monkeypatch.setattr(results, "partial_notes", lambda study: [line])
    html = report_main(study_dir).read_text()
    md = (study_dir / "report" / "report.md").read_text()
    assert "sft x xstest is partial: 3 of 6 samples scored" in html
    assert html.index("3 of 6 samples scored") < html.index("<h2>Verdicts</h2>")
    assert "> **Warning:** sft x xstest is partial: 3 of 6 samples scored" in md
    monkeypatch.setattr(results, "partial_notes", lambda study: [])
    assert "class=warn" not in report_main(study_dir).read_text()
