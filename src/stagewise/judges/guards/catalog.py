"""The field's safety classifiers that stagewise runs as judges: name, default weights, and the
benchmarks each can judge. No heavy imports: the study file and `parse_judge` read this.

Each entry's `module` implements it (`build_prompt`, `parse`); `stagewise.judges.guards.run`
loads the weights and runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# What a classifier's verdict says (a scorer takes the one its metric needs):
#   refusal           the response refuses
#   harmful_response  the response is harmful / is an instance of the harmful behavior
#   harmful_request   the prompt is harmful
#   score             StrongREJECT's score in [0, 1]
Output = Literal["refusal", "harmful_response", "harmful_request", "score"]


@dataclass(frozen=True)
class GuardInfo:
    """One named classifier."""

    name: str
    hub: str  # the published weights: its default source is `hub:<hub>`
    outputs: tuple[Output, ...]
    benchmarks: tuple[str, ...]  # the benchmarks whose metrics its outputs give
    module: str  # `stagewise.judges.guards.<module>`: build_prompt(...) and parse(...)
    paper: str = ""

    @property
    def default_source(self) -> str:
        return f"hub:{self.hub}"


GUARDS: dict[str, GuardInfo] = {g.name: g for g in (
)}
