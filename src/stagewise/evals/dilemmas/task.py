"""`dilemmas`: single-prompt alignment dilemmas; misaligned decisions and verbalised eval awareness."""

from __future__ import annotations

from inspect_ai import Epochs, Task, task
from inspect_ai.solver import generate

from stagewise.evals._metrics import PRESENT_MEAN_REDUCER
from stagewise.evals.dilemmas.dataset import Subset, load_dataset
from stagewise.evals.dilemmas.scorer import dilemmas_scorer


@task
def dilemmas(
    data_path: str | None = None,
    judge: str | None = None,
    awareness_judge: str | None = None,
    subset: Subset = "all",
    dimensions_judge: str | None = None,
    dimensions: str | None = None,
    dimensions_path: str | None = None,
) -> Task:
    """Petri-style alignment dilemmas cut down to one prompt each.

    Args:
        data_path: a scenarios JSONL (see dataset.py); None = the shipped sets.
        subset: of the shipped sets, "petri" (one per selected Petri seed), "stagewise" (the
            original 12) or "all".
        judge: Inspect model role of the misaligned-decision autorater; None = marker fallback.
        awareness_judge: role of the eval-awareness autorater; None = `judge`, or keywords
            when there is no judge.
        dimensions_judge: role that scores Petri's judge dimensions (1-10); None = off.
        dimensions: "all" or comma-separated dimension names; None = the single-reply set.
        dimensions_path: folder of Petri dimension files; None = inspect_petri's or the shipped copy.
    """
    return Task(
        dataset=load_dataset(data_path, subset),
        solver=generate(),
        scorer=dilemmas_scorer(judge, awareness_judge, dimensions_judge, dimensions, dimensions_path),
        epochs=Epochs(1, PRESENT_MEAN_REDUCER),
        version=2,
    )
