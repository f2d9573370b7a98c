"""`harmbench`: attack success rate on HarmBench's text behaviors (direct requests)."""

from __future__ import annotations

from inspect_ai import Epochs, Task, task
from inspect_ai.solver import generate

from stagewise.errors import StudyError
from stagewise.evals._metrics import PRESENT_MEAN_REDUCER
from stagewise.evals.harmbench.dataset import HARMBENCH_FILES, load_dataset
from stagewise.evals.harmbench.scorer import harmbench_scorer


@task
def harmbench(
    data_path: str | None = None,
    judge: str | None = None,
    split: str = "test",
    include_copyright: bool = False,
) -> Task:
    """HarmBench (Mazeika et al., ICML 2024), DirectRequest: the behavior as a user message.

    Args:
        data_path: local behaviors CSV or its folder; None fetches the pinned upstream file.
        judge: Inspect model role of the classifier (e.g. "grader"); None = the default offline refusal judge as a proxy.
        split: `test` (default) or `val`.
        include_copyright: also run the copyright behaviors; they are generated but not
            scored (`asr` absent), since this classifier does not judge them.
    """
    if split not in HARMBENCH_FILES:
        raise StudyError(f"harmbench: split {split!r} is not one of {', '.join(HARMBENCH_FILES)}")
    return Task(
        dataset=load_dataset(data_path, split, include_copyright),
        solver=generate(),
        scorer=harmbench_scorer(judge),
        epochs=Epochs(1, PRESENT_MEAN_REDUCER),
        version=1,
    )
