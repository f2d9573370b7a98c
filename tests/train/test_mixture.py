"""Mixtures: allocation by weights/counts/safety_share, seeded sampling, bad rows, teacher swap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stagewise.train import Mixture, TrainError, build_mixture


def _write(path: Path, rows: list[Any]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def _chat(q: str, a: str, tags: list[str] | None = None) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}], "tags": tags or []}


@pytest.fixture
def two_sources(tmp_path: Path) -> tuple[str, str]:
    helpful = _write(tmp_path / "h.jsonl", [_chat(f"question {i}?", f"answer {i}.") for i in range(50)])
    harmful = _write(tmp_path / "r.jsonl", [_chat(f"harm {i}?", "I can't help with that.", ["harmful"]) for i in range(20)])
    return helpful, harmful


def test_safety_share_sets_the_fraction_of_safety_rows(two_sources: tuple[str, str]) -> None:
    h, r = two_sources
    mix = Mixture(sources=[{"path": h}, {"path": r, "safety": True}], safety_share=0.25, total=40, seed=3)
    out = build_mixture(mix, "sft")
    assert out.manifest["rows"] == 40 and out.manifest["safety_rows"] == 10
    assert [s["rows_used"] for s in out.manifest["sources"]] == [30, 10]
    # Without a total: the largest mixture the share allows (20 safety rows -> 80 rows, only 50 helpful).
    big = build_mixture(Mixture(sources=[{"path": h}, {"path": r, "safety": True}], safety_share=0.5), "sft")
    assert big.manifest["rows"] == 40


def test_sampling_is_deterministic_by_seed(two_sources: tuple[str, str]) -> None:
    h, r = two_sources

    def ids(seed: int) -> list[str]:
        mix = Mixture(sources=[{"path": h, "weight": 3}, {"path": r, "weight": 1}], total=20, seed=seed)
        return [row["id"] for row in build_mixture(mix, "sft").rows]

    assert ids(0) == ids(0)
    assert ids(0) != ids(1)
    assert sum(i.startswith(h) for i in ids(0)) == 15


def test_counts_and_unmet_weights_are_errors(two_sources: tuple[str, str]) -> None:
    h, r = two_sources
    out = build_mixture(Mixture(sources=[{"path": h, "count": 7}, {"path": r, "count": 3}]), "sft")
    assert out.manifest["rows"] == 10
    with pytest.raises(TrainError, match="has 20 valid rows but count asks for 30"):
        build_mixture(Mixture(sources=[{"path": r, "count": 30}]), "sft")
    with pytest.raises(TrainError, match="share needs 45 of a 50-row mixture"):
        build_mixture(Mixture(sources=[{"path": h, "weight": 1}, {"path": r, "weight": 9}], total=50), "sft")


@pytest.mark.parametrize(("row", "problem"), [
    ({"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "yo"}]}, "unknown role 'bot'"),
    ({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "  "}]}, "empty turn"),
    ({"text": "no messages"}, "missing or empty `messages`"),
    ({"messages": [{"role": "user", "content": "hi"}]}, "end with an assistant turn"),
    ({"messages": [{"role": "assistant", "content": "hi"}]}, "alternate user and assistant"),
])
def test_bad_rows_stop_with_a_clear_error_or_are_counted(tmp_path: Path, row: dict, problem: str) -> None:
    path = _write(tmp_path / "bad.jsonl", [_chat("q?", "a."), row, _chat("q2?", "a2.")])
    with pytest.raises(TrainError, match=rf"row 1: .*{problem}.*skip_invalid"):
        build_mixture(Mixture(sources=[{"path": path}]), "sft")
    out = build_mixture(Mixture(sources=[{"path": path}]), "sft", skip_invalid=True)
    assert out.manifest["rows"] == 2 and out.manifest["skipped_invalid"] == 1


def test_preference_rows_are_validated(tmp_path: Path) -> None:
    good = {"prompt": [{"role": "user", "content": "q"}], "chosen": [{"role": "assistant", "content": "a"}],
            "rejected": [{"role": "assistant", "content": "b"}]}
    bad = {**good, "rejected": [{"role": "assistant", "content": ""}]}
    path = _write(tmp_path / "p.jsonl", [good, bad])
    with pytest.raises(TrainError, match="empty rejected response"):
        build_mixture(Mixture(sources=[{"path": path}]), "preference")
    assert build_mixture(Mixture(sources=[{"path": "bundled:dpo_pairs.jsonl"}]), "preference").manifest["rows"] == 127


def test_teacher_swap_replaces_responses_on_the_selected_share(two_sources: tuple[str, str], tmp_path: Path) -> None:
    h, r = two_sources
    teacher = _write(tmp_path / "t.jsonl", [{"prompt": f"harm {i}?", "response": f"Teacher refusal {i}."} for i in range(20)])
    swap = {"select": {"tag": "harmful"}, "share": 0.1, "responses": teacher, "seed": 0}
    mix = Mixture(sources=[{"path": h}, {"path": r}], total=60, teacher_swap=swap)
    out = build_mixture(mix, "sft")
    swapped = [row for row in out.rows if "teacher-swap" in row["tags"]]
    assert len(swapped) == 6 == out.manifest["teacher_swap"]["swapped"]
    assert all(row["messages"][-1]["content"].startswith("Teacher refusal") for row in swapped)
    assert out.manifest["teacher_swap"]["teacher"]["sha256"]
    # Selecting by classifier: responses that the string-match judge reads as refusals.
    by_judge = build_mixture(Mixture(sources=[{"path": h}, {"path": r}], total=60,
                                     teacher_swap={**swap, "select": {"classifier": "refusal"}}), "sft")
    assert by_judge.manifest["teacher_swap"]["matched"] == by_judge.manifest["sources"][1]["rows_used"] == 17
    too_many = Mixture(sources=[{"path": h}, {"path": r}], total=60, teacher_swap={**swap, "share": 0.5})
    with pytest.raises(TrainError, match="wants 30 rows but only 17 of 60"):
        build_mixture(too_many, "sft")


def test_teacher_without_a_response_is_an_error_or_counted(two_sources: tuple[str, str], tmp_path: Path) -> None:
    h, r = two_sources
    teacher = _write(tmp_path / "t.jsonl", [{"prompt": "harm 0?", "response": "x"}])
    mix = Mixture(sources=[{"path": r}], teacher_swap={"select": {"tag": "harmful"}, "count": 5, "responses": teacher})
    with pytest.raises(TrainError, match="teacher gave no response"):
        build_mixture(mix, "sft")
    out = build_mixture(mix, "sft", skip_invalid=True)
    assert out.manifest["teacher_swap"]["missing_response"] + out.manifest["teacher_swap"]["swapped"] == 5


def test_parquet_sources_and_unreachable_hub_datasets(tmp_path: Path) -> None:
    import pandas as pd

    rows = [_chat(f"q{i}?", f"a{i}.") for i in range(5)]
    pd.DataFrame(rows).to_parquet(tmp_path / "d.parquet")
    out = build_mixture(Mixture(sources=[{"path": str(tmp_path / "d.parquet")}]), "sft")
    assert sorted(r["messages"][0]["content"] for r in out.rows) == [f"q{i}?" for i in range(5)]
    with pytest.raises(TrainError, match="cannot load hub dataset nobody/nothing"):
        build_mixture(Mixture(sources=[{"hub": "nobody/nothing"}]), "sft")
