"""Optional: inspect_evals' `agentic_misalignment` task, when `inspect_evals` is installed.

Not part of the default battery (its scores follow inspect_evals' own format); run it with
`inspect eval stagewise/agentic_misalignment` or add it to a study once installed.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from inspect_ai import Task, task

from stagewise.errors import StagewiseError


def available() -> bool:
    """True when inspect_evals (with agentic_misalignment) can be imported."""
    return importlib.util.find_spec("inspect_evals") is not None


@task
def agentic_misalignment(**kwargs: Any) -> Task:
    """inspect_evals' agentic misalignment scenarios (Lynch et al., 2025), passed through unchanged."""
    if not available():
        raise StagewiseError("agentic_misalignment needs inspect_evals: run `pip install inspect_evals`")
    from inspect_evals.agentic_misalignment import agentic_misalignment as upstream

    return upstream(**kwargs)
