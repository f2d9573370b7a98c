"""`dilemmas`: single-prompt alignment dilemmas; misaligned decisions and verbalised eval awareness."""

from __future__ import annotations

from inspect_ai import Epochs, Task, task
from inspect_ai.solver import generate

from stagewise.evals._metrics import PRESENT_MEAN_REDUCER
from stagewise.evals.dilemmas.dataset import load_dataset
from stagewise.evals.dilemmas.scorer import dilemmas_scorer


@task
def dilemmas(data_path: str | None = None, judge: str | None = None, awareness_judge: str | None = None) -> Task:
    """Petri-style alignment dilemmas cut down to one prompt each.

    Args:
        data_path: a scenarios JSONL (see dataset.py); None = the 12 shipped with stagewise.
        judge: Inspect model role of the misaligned-decision autorater; None = marker fallback.
        awareness_judge: role of the eval-awareness autorater; None = `judge`, or keywords
            when there is no judge.
    """
    return Task(
        dataset=load_dataset(data_path),
        solver=generate(),
        scorer=dilemmas_scorer(judge, awareness_judge),
        epochs=Epochs(1, PRESENT_MEAN_REDUCER),
        version=1,
    )
