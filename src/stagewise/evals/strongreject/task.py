"""`strongreject`: refusal rate and StrongREJECT score on forbidden prompts."""

from __future__ import annotations

from inspect_ai import Epochs, Task, task
from inspect_ai.solver import generate

from stagewise.errors import StudyError
from stagewise.evals._metrics import PRESENT_MEAN_REDUCER
from stagewise.evals.strongreject.dataset import STRONGREJECT_FILES, load_dataset
from stagewise.evals.strongreject.scorer import strongreject_scorer


@task
def strongreject(data_path: str | None = None, judge: str | None = None, subset: str = "full") -> Task:
    """StrongREJECT (Souly et al., 2024): the forbidden prompt as a user message, no jailbreak.

    Args:
        data_path: local StrongREJECT CSV or its folder; None fetches the pinned upstream file.
        judge: Inspect model role of the rubric judge (e.g. "grader"); None = string match
            (`refusal` only; `score` needs the rubric judge).
        subset: `full` (313 prompts) or `small` (60).
    """
    if subset not in STRONGREJECT_FILES:
        raise StudyError(f"strongreject: subset {subset!r} is not one of {', '.join(STRONGREJECT_FILES)}")
    return Task(
        dataset=load_dataset(data_path, subset),
        solver=generate(),
        scorer=strongreject_scorer(judge),
        epochs=Epochs(1, PRESENT_MEAN_REDUCER),
        version=1,
    )
