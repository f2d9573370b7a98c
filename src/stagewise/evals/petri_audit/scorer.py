"""Petri's own judge (`audit_judge`, a Scout scanner run as a scorer), its scores kept as they are
and written in the battery's format: `Score.value` = {dimension: 1-10} for every declared
dimension, `None` for one the judge did not score (a refusal, or a reply that never made a valid
`answer()` call), and `metadata.judge` = the judge's model name.
"""

from __future__ import annotations

from typing import Any

from stagewise.evals.petri_audit.meta import BENCHMARK

METRICS = BENCHMARK.metric_names


def dimension_values(value: Any, names: list[str]) -> dict[str, float | None]:
    """{name: score} from Petri's score value (a dict of ints 1-10, or None when unscored)."""
    raw = value if isinstance(value, dict) else {}
    out: dict[str, float | None] = {}
    for name in names:
        v = raw.get(name)
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v <= 10
        out[name] = float(v) if ok else None
    return out


def petri_scorer(inner: Any, names: list[str], judge: str, auditor_max_tokens: int | None,
                 judge_max_tokens: int | None) -> Any:
    """Wrap Petri's scorer `inner`: same judge call, values in the battery's format."""
    from inspect_ai.model import get_model
    from inspect_ai.scorer import Score, Target, scorer
    from inspect_ai.solver import TaskState

    from stagewise.evals._metrics import present_mean
    from stagewise.evals.petri_audit.roles import bind_petri_roles

    @scorer(metrics=[present_mean(list(names))], name="petri_judge")
    def petri_judge() -> Any:
        async def score(state: TaskState, target: Target) -> Score:
            bind_petri_roles(judge, auditor_max_tokens, judge_max_tokens)
            result = await inner(state, target)
            return Score(
                value=dimension_values(result.value if result else None, names),  # type: ignore[arg-type]
                answer=result.answer if result else None,
                explanation=result.explanation if result else None,
                metadata={**((result.metadata or {}) if result else {}), "judge": str(get_model(role="judge")),
                          "petri_value": result.value if result else None},
            )

        return score

    return petri_judge()
