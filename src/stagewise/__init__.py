"""stagewise: which training stage drives an LLM's safety? Build or register a ladder of
checkpoints, run one Inspect safety battery on every rung, compare statistically."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stagewise.errors import CheckpointError, RunError, StagewiseError, StudyError

if TYPE_CHECKING:
    from stagewise.evaluate.study import Rung, Study, load_study

__version__ = "0.1.0"

__all__ = [
    "CheckpointError",
    "Rung",
    "RunError",
    "StagewiseError",
    "Study",
    "StudyError",
    "__version__",
    "load_study",
]


def __getattr__(name: str) -> Any:
    # The study models (pydantic, yaml) load on first use: `stagewise compare --help` stays fast.
    if name in ("Rung", "Study", "load_study"):
        from stagewise.evaluate import study

        return getattr(study, name)
    raise AttributeError(f"module 'stagewise' has no attribute {name!r}")
