"""`present_mean`: rates over the samples that carry a scored value."""

from __future__ import annotations

import pytest
from inspect_ai.scorer import SampleScore, Score

from stagewise.evals._metrics import PRESENT_MEAN_REDUCER, present_mean


def _scores(*values):
    return [SampleScore(score=Score(value=v), sample_id=i) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # absent keys do not count; None (unparsable) does not count but is tallied
        (({"a": 1.0}, {"a": 0.0}, {"b": 1.0}), {"a": 0.5, "b": 1.0, "unscored": 0.0}),
        (({"a": 1.0}, {"a": None}, {"a": 0.0}, {"a": 0.0}), {"a": 1 / 3, "b": None, "unscored": 1.0}),
        (({"a": None, "b": None},), {"a": None, "b": None, "unscored": 1.0}),
        (({},), {"a": None, "b": None, "unscored": 0.0}),
    ],
)
def test_present_mean(values, expected):
    assert present_mean(["a", "b"])(_scores(*values)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("epochs", "expected"),
    [
        (({"a": 1.0, "b": None},), {"a": 1.0, "b": None}),  # one epoch: unchanged
        (({"a": 1.0}, {"a": 0.0}), {"a": 0.5}),
        (({"a": None}, {"a": 1.0}, {"a": 0.0}), {"a": 0.5}),  # None is skipped, not read as 0
        (({"a": None}, {"a": None}), {"a": None}),  # never scored stays unscored
        (({"a": 1.0}, {"a": 1.0, "b": 0.0}), {"a": 1.0, "b": 0.0}),
    ],
)
def test_reducer_skips_unscored_epochs(epochs, expected):
    reduced = PRESENT_MEAN_REDUCER([Score(value=v, metadata={"judge": "j"}) for v in epochs])
    assert reduced.value == pytest.approx(expected)
    assert reduced.metadata == {"judge": "j"}
