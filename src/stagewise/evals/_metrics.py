"""Inspect metrics and epoch reducer for dict-valued scores where a key may be absent (does
not apply to the sample) or `None` (the judge's reply could not be parsed).

`present_mean(keys)` reports, for each key, the mean over the samples that carry a scored value,
plus `unscored` (how many samples had at least one `None`), so `inspect view` shows sensible rates.
Inspect reduces epochs before metrics even with one epoch, and its `mean` reducer turns `None`
into 0: tasks set `epochs=Epochs(1, PRESENT_MEAN_REDUCER)` (kept when a run passes `epochs=N`).
The per-sample values in the log stay the source of truth for `stagewise results`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from inspect_ai.scorer import Metric, SampleScore, Score, ScoreReducer, metric, score_reducer


def _scored(value: object) -> bool:
    return isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value))


@metric
def present_mean(keys: list[str]) -> Metric:
    """Mean of each key over the samples where it is present and scored, plus `unscored`.

    Args:
        keys: the metric names a scorer writes into its dict `Score.value`.
    """

    def compute(scores: list[SampleScore]) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for key in keys:
            values = [
                float(s.score.value[key])  # type: ignore[arg-type]
                for s in scores
                if isinstance(s.score.value, Mapping) and _scored(s.score.value.get(key))
            ]
            # None: no sample carries this key; Inspect leaves it out of the results.
            out[key] = sum(values) / len(values) if values else None
        out["unscored"] = float(
            sum(
                1
                for s in scores
                if not isinstance(s.score.value, Mapping)
                or any(v is None for v in s.score.value.values())
            )
        )
        return out

    return compute  # type: ignore[return-value]


@score_reducer(name="present_mean")
def present_mean_reducer() -> ScoreReducer:
    """Reduce a sample's epochs key by key: the mean of the scored values, `None` when every
    epoch's value was `None`; absent keys stay absent. One epoch passes through unchanged."""

    def reduce(scores: list[Score]) -> Score:
        if len(scores) == 1:
            return scores[0]
        dicts = [s.value for s in scores if isinstance(s.value, Mapping)]
        keys = dict.fromkeys(k for d in dicts for k in d)  # union, first-seen order
        value: dict[str, float | None] = {}
        for key in keys:
            vals = [float(d[key]) for d in dicts if _scored(d.get(key))]  # type: ignore[arg-type]
            value[key] = sum(vals) / len(vals) if vals else None
        first = scores[0]
        return Score(value=value, answer=first.answer, metadata=first.metadata)

    return reduce


# The reducer every stagewise chat benchmark uses (see module docstring).
PRESENT_MEAN_REDUCER = present_mean_reducer()
