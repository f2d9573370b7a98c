"""What is done and what is left for a study, read from its log folders (no model loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stagewise.evaluate.study import Study

State = Literal["done", "partial", "todo", "error"]


@dataclass(frozen=True)
class TaskStatus:
    rung: str
    stage: str
    benchmark: str
    state: State
    samples: str  # "done/total" or "-"
    done: int = 0  # scored samples (cancelled, errored or unscored ones are not done)
    total: int = 0  # planned samples x epochs; 0 while the task has no log


def study_status(study: Study) -> list[TaskStatus]:
    """One row per rung x benchmark: done, partial (resumable), todo, or error (unreadable log)."""
    from inspect_ai.log import read_eval_log

    from stagewise.evals import benchmark_of_log

    rows = []
    for rung in study.ladder:
        rung_dir = study.log_dir / rung.name
        best: dict[str, tuple[str, State, str, int, int]] = {}
        for f in sorted(rung_dir.glob("*.eval")) if rung_dir.is_dir() else []:
            try:
                log = read_eval_log(str(f), header_only=True)
            except Exception:  # an unreadable log is reported, and the runner moves it aside
                best.setdefault("?", ("", "error", f.name, 0, 0))
                continue
            bench = benchmark_of_log(log.eval)
            if bench is None:
                continue
            total = log.eval.dataset.samples or 0
            total *= log.eval.config.epochs or 1
            if log.status == "success":
                state: State = "done"
                done = total
            else:
                state = "partial"
                done = _count_samples(str(f))
            if bench not in best or log.eval.created > best[bench][0]:
                best[bench] = (log.eval.created, state, f"{done}/{total}", done, total)
        for bench in study.benchmarks:
            _, state, samples, done, total = best.get(bench, ("", "todo", "-", 0, 0))
            rows.append(TaskStatus(rung.name, rung.stage, bench, state, samples, done, total))
    return rows


def _count_samples(path: str) -> int:
    """Samples that finished and were scored: cancelled or errored ones are not done."""
    from inspect_ai.log import read_eval_log_sample_summaries

    try:
        return sum(1 for s in read_eval_log_sample_summaries(path) if s.completed and s.error is None and s.scores)
    except Exception:  # an interrupted log may have no summaries yet
        return 0
