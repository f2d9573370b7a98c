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
    module: str  # `stagewise.judges.guards.<module>`: build_prompt(...) and parse(...) or from_probs(...)
    variant: str = ""  # passed to the module's build_prompt (e.g. which Llama Guard template)
    paper: str = ""

    @property
    def default_source(self) -> str:
        return f"hub:{self.hub}"


GUARDS: dict[str, GuardInfo] = {g.name: g for g in (
    GuardInfo("wildguard", "allenai/wildguard", ("harmful_request", "refusal", "harmful_response"),
              ("xstest", "strongreject", "harmbench"), "wildguard", paper="arXiv:2406.18495"),
    GuardInfo("llama-guard-3-8b", "meta-llama/Llama-Guard-3-8B", ("harmful_response",), ("harmbench",),
              "llama_guard", variant="8b", paper="arXiv:2407.21783"),
    GuardInfo("llama-guard-3-1b", "meta-llama/Llama-Guard-3-1B", ("harmful_response",), ("harmbench",),
              "llama_guard", variant="1b", paper="arXiv:2411.17713"),
    GuardInfo("shieldgemma-2b", "google/shieldgemma-2b", ("harmful_response",), ("harmbench",),
              "shieldgemma", paper="arXiv:2407.21772"),
    GuardInfo("shieldgemma-9b", "google/shieldgemma-9b", ("harmful_response",), ("harmbench",),
              "shieldgemma", paper="arXiv:2407.21772"),
    GuardInfo("shieldgemma-27b", "google/shieldgemma-27b", ("harmful_response",), ("harmbench",),
              "shieldgemma", paper="arXiv:2407.21772"),
    GuardInfo("harmbench-cls", "cais/HarmBench-Llama-2-13b-cls", ("harmful_response",), ("harmbench",),
              "harmbench_cls", paper="arXiv:2402.04249"),
    GuardInfo("strongreject-ft", "qylu4156/strongreject-15k-v1", ("score",), ("strongreject",),
              "strongreject_ft", paper="arXiv:2402.10260"),
)}
