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


def test_read_texts_keeps_the_newest_log(study_dir: Path) -> None:
    """A rerun leaves an older log beside the new one: only the newest is read."""
    from inspect_ai.log import read_eval_log, write_eval_log

    path = study_dir / "logs" / "sft" / "xstest.eval"
    log = read_eval_log(str(path))
    old = log.model_copy(deep=True)
    old.eval.created = "2020-01-01T00:00:00+00:00"
    for s in old.samples or []:
        s.output.completion = "stale"
    write_eval_log(old, str(path.with_name("old-xstest.eval")))
    t = read_texts(study_dir / "logs")
    sft = t[(t["rung"] == "sft") & (t["benchmark"] == "xstest")]
    assert len(sft) == 80 and "stale" not in set(sft["response"])
