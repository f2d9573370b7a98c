"""Benchmark options checked against the task's signature, before any rung or model is resolved."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from typing import Any

from stagewise.errors import StudyError

# Options the runner consumes itself (the rest go to the task function).
RUNNER_OPTIONS = ("limit", "epochs")


def check_options(name: str, task_fn: Callable[..., Any], opts: dict[str, Any]) -> None:
    """Fail in one line on a misspelt option or a limit/epochs that is not a whole number >= 1."""
    for key in RUNNER_OPTIONS:
        value = opts.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            fix = "remove it to run every item" if key == "limit" else "use 1 or more"
            raise StudyError(f"benchmarks.{name}.{key} must be a whole number >= 1, got {value!r}; {fix}")
    params = inspect.signature(task_fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    accepted = [*params, *RUNNER_OPTIONS]
    for key in opts:
        if key not in accepted:
            close = difflib.get_close_matches(key, accepted, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise StudyError(f"benchmarks.{name} has no option {key!r}; {hint}its options are {', '.join(accepted)}")
