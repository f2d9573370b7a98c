"""`xstest`: over-refusal on 250 safe prompts, compliance on 200 unsafe contrasts."""

from __future__ import annotations

from inspect_ai import Epochs, Task, task
from inspect_ai.solver import generate

from stagewise.errors import StudyError
from stagewise.evals._metrics import PRESENT_MEAN_REDUCER
from stagewise.evals.xstest.dataset import load_dataset
from stagewise.evals.xstest.scorer import xstest_scorer

SUBSETS = ("all", "safe", "unsafe")


@task
def xstest(data_path: str | None = None, judge: str | None = None, subset: str = "all") -> Task:
    """XSTest (Röttger et al., NAACL 2024): the prompt as a user message, one reply, a 3-class label.

    Args:
        data_path: local `xstest_prompts.csv` or its folder; None fetches the pinned upstream file.
        judge: Inspect model role of the LLM judge (e.g. "grader"); None = offline string match.
        subset: `all` (450), `safe` (250) or `unsafe` (200 contrast prompts).
    """
    if subset not in SUBSETS:
        raise StudyError(f"xstest: subset {subset!r} is not one of {', '.join(SUBSETS)}")
    return Task(
        dataset=load_dataset(data_path, subset),  # type: ignore[arg-type]
        solver=generate(),
        scorer=xstest_scorer(judge),
        epochs=Epochs(1, PRESENT_MEAN_REDUCER),
        version=1,
    )
