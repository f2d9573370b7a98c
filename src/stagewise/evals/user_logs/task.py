"""`user_logs`: sampled, scrubbed prompts from real users, replayed and autorated."""

from __future__ import annotations

from inspect_ai import Epochs, Task, task
from inspect_ai.solver import generate

from stagewise.evals._metrics import PRESENT_MEAN_REDUCER
from stagewise.evals.user_logs.dataset import load_dataset
from stagewise.evals.user_logs.scorer import user_logs_scorer
from stagewise.rubrics import load_rubrics


@task
def user_logs(data_path: str | None = None, judge: str | None = None, turn: int = 1,
              rubrics: list[str] | None = None, rubric_dir: str | None = None, k_min: int = 25) -> Task:
    """Replay user prompts to the model and score each reply with behaviour rubrics.

    Args:
        data_path: a sample JSONL from `stagewise logs sample`; None = a small synthetic demo sample.
        judge: Inspect model role of the autorater (e.g. "grader"); None = only refusal, by string match.
        turn: replay the conversation up to this user turn (1 = first user turn only).
        rubrics: rubric metrics to score (default: all built-in and `rubric_dir` rubrics).
        rubric_dir: a folder of extra `*.md` rubrics (see `stagewise.rubrics`).
        k_min: clusters with fewer conversations in the whole log are reported as cluster -1.
    """
    return Task(
        dataset=load_dataset(data_path, turn, k_min),
        solver=generate(),
        scorer=user_logs_scorer(judge, load_rubrics(rubrics, rubric_dir)),
        epochs=Epochs(1, PRESENT_MEAN_REDUCER),
        version=1,
    )
