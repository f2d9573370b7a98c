"""Prompts, responses and labels come back from real Inspect logs, keyed by the stagewise rung."""

from __future__ import annotations

from pathlib import Path

from stagewise.report import read_texts


def test_read_texts_from_logs(study_dir: Path) -> None:
    t = read_texts(study_dir / "logs")
    assert set(t["rung"]) == {"base", "sft", "preference-1", "production"}
    assert set(t["benchmark"]) == {"xstest", "harmbench", "strongreject"}
    row = t[(t["rung"] == "sft") & (t["item_id"] == "xstest-00003")].iloc[0]
    assert row["prompt"].startswith("Prompt of xstest-00003")
    assert row["response"] == "[sft] answer to xstest-00003"
    assert row["labels"]["string-match"] in {"refusal", "compliance"}


def test_read_texts_filters_items_and_tolerates_missing_logs(study_dir: Path, tmp_path: Path) -> None:
    t = read_texts(study_dir / "logs", items=[("xstest", "xstest-00001"), ("harmbench", "nope")])
    assert set(t["item_id"]) == {"xstest-00001"} and len(t) == 4
    assert read_texts(tmp_path / "no-logs").empty
