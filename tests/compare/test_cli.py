"""`stagewise compare STUDY_DIR` on a study directory holding samples.parquet and study.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from stagewise.cli import main
from stagewise.compare.synthetic import synthetic_samples


def make_study_dir(root: Path, n_items: int = 120, seed: int = 0) -> Path:
    """A study directory as `stagewise run` leaves it: study.yaml and results/samples.parquet."""
    df = synthetic_samples(
        n_rungs=4, n_items=n_items, epochs={"production": 3}, seed=seed,
        metrics={"xstest/over_refusal": "rate", "harmbench/asr": "rate", "strongreject/score": "mean"},
    )  # fmt: skip
    (root / "results").mkdir(parents=True)
    df.to_parquet(root / "results" / "samples.parquet")
    ladder = [{"name": n, "stage": s, "source": "packaged:gemma3-270m"} for n, s in
              df[["rung", "stage"]].drop_duplicates().itertuples(index=False)]  # fmt: skip
    study = {"name": "t", "output_dir": ".", "ladder": ladder, "benchmarks": ["xstest", "harmbench", "strongreject"],
             "margins": {"harmbench/asr": 0.1}}  # fmt: skip
    (root / "study.yaml").write_text(yaml.safe_dump(study))
    return root


def test_compare_cli_writes_json_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = make_study_dir(tmp_path)
    assert main(["compare", str(d), "--n-boot", "300", "--pair", "base:sft"]) == 0
    out = capsys.readouterr().out
    assert "base − sft" in out and "within" in out
    data = json.loads((d / "results" / "compare.json").read_text())
    assert data["main_pair"] == ["base", "sft"]
    assert {m["id"]: m["margin"] for m in data["metrics"]}["harmbench/asr"] == 0.1
    diffs = pd.read_csv(d / "results" / "compare_differences.csv")
    assert set(diffs["verdict"]) <= {"equivalent", "different", "inconclusive"}
    assert len(diffs) == 3 * 4  # metrics x (main pair + 3 rungs vs production)
    assert (d / "results" / "compare_disagreements.csv").is_file()


def test_compare_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = make_study_dir(tmp_path)
    assert main(["compare", str(d), "--pair", "sft"]) == 2
    assert "must look like A:B" in capsys.readouterr().err
    assert main(["compare", str(d), "--pair", "sft:nope"]) == 2
    assert "no rung or stage 'nope'" in capsys.readouterr().err
    (d / "study.yaml").unlink()
    assert main(["compare", str(d)]) == 2
    assert "study.yaml not found" in capsys.readouterr().err


def test_one_rung_study_says_nothing_was_paired(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = make_study_dir(tmp_path, n_items=20)
    df = pd.read_parquet(d / "results" / "samples.parquet")
    keep = df.rung.iloc[0]
    df[df.rung == keep].to_parquet(d / "results" / "samples.parquet")
    study = yaml.safe_load((d / "study.yaml").read_text())
    study["ladder"] = [r for r in study["ladder"] if r["name"] == keep]
    (d / "study.yaml").write_text(yaml.safe_dump(study))
    assert main(["compare", str(d), "--n-boot", "100"]) == 0
    assert f"nothing was paired: the study has one rung ({keep})" in capsys.readouterr().out


def test_partial_rung_pairs_on_common_items_and_says_how_many_left_out(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    d = make_study_dir(tmp_path, n_items=20)
    df = pd.read_parquet(d / "results" / "samples.parquet")
    items = sorted(df[df.benchmark == "xstest"].item_id.unique())
    cut = df[(df.rung != "sft") | (df.benchmark != "xstest") | df.item_id.isin(items[:13])]  # cut at 13
    cut.to_parquet(d / "results" / "samples.parquet")
    assert main(["compare", str(d), "--n-boot", "100", "--pair", "base:sft"]) == 0
    out = capsys.readouterr().out
    assert "note: base vs sft on xstest/over_refusal: paired on the 13 items both rungs finished; 7 left out" in out
