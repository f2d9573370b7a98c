"""stagewise: which training stage drives an LLM's safety? Build or register a ladder of
checkpoints, run one Inspect safety battery on every rung, compare statistically."""

from stagewise.errors import CheckpointError, RunError, StagewiseError, StudyError
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
