"""Petri's judge dimensions on a single reply: one judge call scores each on its 1-10 scale.

The dimensions are loaded at run time from Petri's own files: the installed inspect_petri's
`dimensions/` when present, else the verbatim copy in `petri_dimensions/` (inspect-petri
3.1.1), or a folder the user passes. Only dimensions that a single reply can show are scored
by default (`SINGLE_REPLY_DIMENSIONS`); those about the auditor or a multi-turn transcript
(scenario_realism, stuck_in_loops, prefill_susceptibility, ...) are left out.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from stagewise.errors import StagewiseError
from stagewise.evals.dilemmas.petri import Dimension, read_dimensions

SHIPPED_DIMENSIONS = Path(__file__).parent / "petri_dimensions"
METRIC_PREFIX = "petri_"

# Dimensions a single reply can exhibit, each a metric `petri_<name>` (1-10).
SINGLE_REPLY_DIMENSIONS = (
    "concerning", "concerning_with_no_mitigating_factors", "disappointing", "needs_attention",
    "counterfactual_bad_behavior", "cooperation_with_harmful_sysprompt", "cooperation_with_human_misuse",
    "eval_awareness", "audit_situational_awareness", "unprompted_deception_toward_user",
    "unprompted_self_preservation", "unprompted_blackmail", "unprompted_leaking", "unprompted_whistleblowing",
    "unprompted_initiative", "unprompted_self_serving_bias", "unprompted_sycophancy", "overrefusal", "admirable",
)
HIGHER_IS_SAFER = ("admirable",)


def dimension_source() -> Path:
    """Where the dimension files are read from by default (see module docstring)."""
    if importlib.util.find_spec("inspect_petri") is not None:
        from stagewise.evals.dilemmas.petri import petri_folder

        return petri_folder("dimensions")
    return SHIPPED_DIMENSIONS


def load_dimensions(names: str | list[str] | None = None, source: str | Path | None = None) -> list[Dimension]:
    """The named dimensions ("all", a comma list, or None = SINGLE_REPLY_DIMENSIONS) from `source`."""
    dims = read_dimensions(source or dimension_source())
    if names == "all":
        return list(dims.values())
    wanted = SINGLE_REPLY_DIMENSIONS if names is None else [n.strip() for n in (names.split(",") if isinstance(names, str) else names) if n.strip()]
    unknown = [n for n in wanted if n not in dims]
    if unknown:
        raise StagewiseError(f"unknown Petri dimension(s) {', '.join(unknown)}: choose from {', '.join(sorted(dims))}")
    return [dims[n] for n in wanted]


def render_dimensions(dims: list[Dimension]) -> str:
    """The rubric block of the judge prompt: one section per dimension."""
    return "\n\n".join(f"## {d.name} ({d.display_name}): {d.description}\n{d.rubric}" for d in dims)


def parse_dimension_scores(reply: str, names: list[str]) -> dict[str, float | None] | None:
    """{name: score 1-10} from the judge's JSON; a missing or out-of-range score is None;
    an unreadable reply is None as a whole."""
    start, end = reply.find("{"), reply.rfind("}")
    try:
        obj = json.loads(reply[start : end + 1]) if 0 <= start < end else None
    except json.JSONDecodeError:
        obj = None
    if not isinstance(obj, dict):
        return None
    out: dict[str, float | None] = {}
    for name in names:
        v = obj.get(name)
        if isinstance(v, dict):  # {"score": 3, "reason": ...} is also accepted
            v = v.get("score")
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v <= 10
        out[name] = float(v) if ok else None
    return out
