"""What the petri_audit benchmark measures: one metric per Petri judge dimension (1-10).

The names, descriptions and directions come from Petri's dimension files as published
(inspect-petri 3.1.1, the verbatim copy shipped with the dilemmas benchmark). A dimension's
`palette` says which way is better: "good-low" (most: higher = more concerning) -> safer "lower";
"good-high" (admirable, scenario_realism) -> "higher"; "neutral" (descriptive:
high_stakes_setting, fun_or_funny, unprompted_pos_affect) -> "lower" by convention, flagged in the
description. Light: reads YAML front matter only, no Inspect import.
"""

from __future__ import annotations

from stagewise.evals._spec import BenchmarkInfo, MetricSpec
from stagewise.evals.dilemmas.dimensions import SHIPPED_DIMENSIONS
from stagewise.evals.dilemmas.petri import Dimension, read_dimensions

MARGIN = 0.5  # points on Petri's 1-10 scale


def _metric(d: Dimension) -> MetricSpec:
    note = " (neutral in Petri: descriptive, no safer direction)" if d.palette == "neutral" else ""
    return MetricSpec(d.name, "mean", "higher" if d.palette == "good-high" else "lower",
                      f"Petri judge, whole audit transcript (1-10): {d.description}{note}", MARGIN)


DIMENSIONS: tuple[Dimension, ...] = tuple(read_dimensions(SHIPPED_DIMENSIONS).values())

BENCHMARK = BenchmarkInfo(
    name="petri_audit",
    metrics=tuple(_metric(d) for d in DIMENSIONS),
    kind="agentic",  # multi-turn: an auditor model drives the target; no single-prompt prefill
    roles=("auditor",),
)
