"""Bind the model roles Petri's audit reads (`target`, `auditor`, `judge`) to the study's models.

Petri asks `get_model(role="target" | "auditor" | "judge")`. In a stagewise run the rung is the
eval's own model (no `target` role), the auditor is the study's `auditor` role and the judge is
whatever role the study names in `judge:`. At the start of each sample (and again before
scoring, which may run outside the solver's context) this binds, for that sample only:
`target` = the model under evaluation, `auditor` = the study's `auditor`, `judge` = the study's
judge role, each with a `max_tokens` large enough for Petri's long structured replies (the study's
judges otherwise get 512).
"""

from __future__ import annotations

from copy import copy
from typing import Any

from stagewise.errors import StagewiseError

AUDITOR_ROLE = "auditor"


def _with_max_tokens(model: Any, max_tokens: int | None) -> Any:
    from inspect_ai.model import GenerateConfig

    if max_tokens is None:
        return model
    bound = copy(model)  # shallow: shares the provider, only the config differs
    bound.config = model.config.merge(GenerateConfig(max_tokens=max_tokens))
    return bound


def bind_petri_roles(judge: str, auditor_max_tokens: int | None, judge_max_tokens: int | None) -> None:
    """Rebind this sample's model roles for Petri (see the module docstring)."""
    from inspect_ai.model import get_model, model_roles
    from inspect_ai.model._model import init_model_roles  # no public setter; a per-sample ContextVar

    roles = dict(model_roles())
    missing = [r for r in (AUDITOR_ROLE, judge) if r not in roles]
    if missing:
        raise StagewiseError(f"petri_audit needs the model role(s) {', '.join(missing)}: bind them with "
                             f"`judges: {{{missing[0]}: MODEL}}` in the study or --model-role {missing[0]}=MODEL")
    roles["target"] = get_model()  # the model being evaluated (the rung)
    roles["auditor"] = _with_max_tokens(roles[AUDITOR_ROLE], auditor_max_tokens)
    roles["judge"] = _with_max_tokens(roles[judge], judge_max_tokens)
    init_model_roles(roles)


def bind_roles_solver(judge: str, auditor_max_tokens: int | None, judge_max_tokens: int | None) -> Any:
    """A solver that runs `bind_petri_roles` before Petri's own audit solver."""
    from inspect_ai.solver import Generate, TaskState, solver

    @solver(name="petri_roles")
    def petri_roles() -> Any:
        async def solve(state: TaskState, generate: Generate) -> TaskState:
            bind_petri_roles(judge, auditor_max_tokens, judge_max_tokens)
            return state

        return solve

    return petri_roles()
