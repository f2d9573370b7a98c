"""The teacher swap with a model teacher: a local checkpoint generates the replacement responses."""

from __future__ import annotations

from stagewise.train import Mixture, build_mixture


def test_a_model_teacher_generates_the_swapped_responses() -> None:
    mix = Mixture(
        sources=[{"path": "bundled:sft_refusals.jsonl", "count": 10}],
        teacher_swap={"select": {"regex": "."}, "count": 3, "model": "packaged:smollm2-135m-instruct",
                      "max_new_tokens": 6},
    )
    out = build_mixture(mix, "sft")
    swap = out.manifest["teacher_swap"]
    assert swap["swapped"] == 3 and swap["teacher"]["content_hash"]
    originals = {r["id"]: r for r in build_mixture(mix.model_copy(update={"teacher_swap": None}), "sft").rows}
    for row in out.rows:
        changed = row["messages"][-1]["content"] != originals[row["id"]]["messages"][-1]["content"]
        assert changed == (row["id"] in swap["swapped_ids"])
