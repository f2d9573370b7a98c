"""`petri_audit`: Petri's multi-turn alignment audit (inspect_petri's `audit` task) on each rung.

The task is Petri's own, built by `inspect_petri.audit(...)` with the options below: its seeds
dataset, auditor/target solver and judge are used as they are. stagewise adds a solver step in
front that binds Petri's roles (`target` = the rung, `auditor` = the study's `auditor` role,
`judge` = the study's judge role; `roles.py`) and writes the judge's scores in the battery's format
(`scorer.py`). Needs `inspect_petri`; without it the task is one error line saying what to install.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Literal

from inspect_ai import Epochs, Task, task

from stagewise.errors import StagewiseError
from stagewise.evals._metrics import PRESENT_MEAN_REDUCER
from stagewise.evals.dilemmas.petri import DILEMMA_TAGS
from stagewise.evals.petri_audit.meta import BENCHMARK

INSTALL = ("petri_audit needs inspect_petri: run `pip install --ignore-requires-python inspect-petri==3.1.1 "
           "inspect-scout==0.6.1` (its metadata asks for Python >= 3.12; it runs on 3.11, see "
           "src/stagewise/evals/petri_audit/README.md), or `bash scripts/setup-petri.sh` (a venv, .venv-petri, beside the main environment)")

TargetTools = Literal["synthetic", "fixed", "none"]


def available() -> bool:
    """True when inspect_petri (and the inspect_scout it imports) can be found."""
    return all(importlib.util.find_spec(m) is not None for m in ("inspect_petri", "inspect_scout"))


def seed_instructions(data_path: str | None, seeds: str | None) -> str | None:
    """Petri's `seed_instructions` argument for our options (None = every built-in seed)."""
    if data_path is not None and seeds is not None:
        raise StagewiseError("petri_audit: give data_path (a folder of Petri seed files) or seeds, not both")
    if data_path is not None:
        if not Path(data_path).exists():
            raise StagewiseError(f"petri_audit: data_path {data_path} not found; give a folder of Petri .md seed "
                                 "files or a .jsonl/.csv seed dataset")
        return data_path
    if seeds is None or seeds == "dilemmas":
        return "tags:" + ",".join(DILEMMA_TAGS)
    if seeds == "all":
        return None
    return seeds


def dimension_names(dimensions: str | None) -> list[str]:
    """The dimensions to score: None = every declared one (Petri's 38), else a comma list of them."""
    declared = list(BENCHMARK.metric_names)
    if dimensions is None:
        return declared
    names = [n.strip() for n in dimensions.split(",") if n.strip()]
    unknown = [n for n in names if n not in declared]
    if unknown or not names:
        raise StagewiseError(f"petri_audit: unknown dimension(s) {', '.join(unknown) or '(none given)'}; "
                             f"choose from {', '.join(declared)}")
    return names


@task
def petri_audit(
    data_path: str | None = None,
    judge: str | None = None,
    seeds: str | None = None,
    max_turns: int = 30,
    dimensions: str | None = None,
    enable_prefill: bool = False,
    enable_rollback: bool = True,
    target_tools: TargetTools = "synthetic",
    realism_filter: bool | float = False,
    compaction: bool = True,
    auditor_max_tokens: int | None = 4096,
    judge_max_tokens: int | None = 8192,
) -> Task:
    """Petri's alignment audit: the `auditor` role probes the rung over up to `max_turns` turns,
    the judge scores the whole transcript on Petri's dimensions (1-10).

    Args:
        data_path: a folder of Petri `.md` seed files (or a .jsonl/.csv seed dataset), all used;
            None = Petri's built-in seeds selected by `seeds`.
        judge: Inspect model role of the judge (Petri's `judge`); required.
        seeds: of Petri's built-in seeds: "dilemmas" (default: the alignment-dilemma filter of
            evals/dilemmas, 57 seeds), "all" (every seed), or Petri's own "tags:a,b" / "id:x,y".
        max_turns: the auditor's turn budget per seed (Petri's default 30).
        dimensions: comma list of dimensions to score; None = all 38 of Petri's defaults.
        enable_prefill, enable_rollback, target_tools, realism_filter, compaction: passed to
            Petri's `audit` as they are (Petri's defaults).
        auditor_max_tokens, judge_max_tokens: max_tokens for the auditor and judge roles in this
            task (None = the role's own; the study's judges otherwise get 512).
    """
    if judge is None:
        raise StagewiseError("petri_audit needs a model judge: bind one under `judges:` (e.g. `judge: MODEL`) and "
                             "set `petri_audit: {judge: ROLE}`; string-match cannot score an audit")
    if not available():
        raise StagewiseError(INSTALL)
    from inspect_ai import task_with
    from inspect_ai.solver import chain
    from inspect_petri import audit

    names = dimension_names(dimensions)
    try:
        upstream = audit(seed_instructions=seed_instructions(data_path, seeds), max_turns=max_turns,
                         judge_dimensions=names, enable_prefill=enable_prefill, enable_rollback=enable_rollback,
                         target_tools=target_tools, realism_filter=realism_filter, compaction=compaction)
    except (ValueError, FileNotFoundError) as err:  # unknown seed tag/id, unreadable seed file
        first = str(err).splitlines()[0].split(" Available ids:")[0].split(" Available tags:")[0]
        raise StagewiseError(f"petri_audit: {first} (Petri's seed ids are the .md file names "
                             "in inspect_petri/_seeds/default/)") from None
    from stagewise.evals.petri_audit.roles import bind_roles_solver
    from stagewise.evals.petri_audit.scorer import petri_scorer

    solver: Any = chain(bind_roles_solver(judge, auditor_max_tokens, judge_max_tokens), upstream.solver)
    scorers: Any = upstream.scorer
    inner = scorers[0] if isinstance(scorers, list) else scorers
    return task_with(
        upstream,
        name="petri_audit",
        solver=solver,
        scorer=petri_scorer(inner, names, judge, auditor_max_tokens, judge_max_tokens),
        epochs=Epochs(1, PRESENT_MEAN_REDUCER),
        version=1,
    )
