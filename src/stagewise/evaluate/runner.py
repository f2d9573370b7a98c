"""Run a study: every rung x benchmark as Inspect tasks, one `eval_set` per rung.

Logs go to `OUTPUT_DIR/logs/<rung>/`, so `inspect view --log-dir OUTPUT_DIR/logs` shows every
transcript. Resuming is layered: `eval_set` skips finished tasks and reuses the samples an
interrupted log already holds, and the content-keyed generation cache answers every generation
that finished before the kill, so no finished sample is recomputed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from stagewise._atomic import atomic_write_text
from stagewise._lock import hold
from stagewise.checkpoints import ResolvedModel, resolve
from stagewise.evaluate._outcome import check_logs, interrupted, no_false_success, set_aside_superseded
from stagewise.evaluate._settings import refuse_changed_settings
from stagewise.evaluate.study import Rung, Study
from stagewise.evaluate.tasks import (
    TaskPlan,
    eval_kwargs,
    job_size,
    judge_roles,
    make_task,
    plan_tasks,
    resolve_judges,
    rung_plans,
)

if TYPE_CHECKING:
    from stagewise.evaluate.runner_ray import RayOptions



def save_study(study: Study) -> Path:
    """Write the study as run to OUTPUT_DIR/study.yaml (what results/compare/report read)."""
    path = study.output_dir / "study.yaml"
    data = study.model_dump(mode="json", exclude_none=True)
    atomic_write_text(path, yaml.safe_dump(data, sort_keys=False))
    return path


def run_study(study: Study, *, rungs: list[str] | None = None, display: str | None = None,
              ray: RayOptions | None = None) -> Path:
    """Evaluate every rung of `study` (or only `rungs`) on its battery; return the output dir.

    With `ray`, the single-turn benchmarks of local rungs are first generated and judged on a
    Ray cluster (`stagewise.evaluate.runner_ray`); the rung's `eval_set` then finds every generation in
    the cache and only assembles the logs, without loading the model.

    Raises:
        RunError / CheckpointError: a one-line, fixable problem (unbound role, missing checkpoint,
            another run holding the output folder...).
        Interrupted: SIGINT/SIGTERM; says how many samples of the plan are done.
    """
    plans = plan_tasks(study)
    selected = [study.rung(n) for n in rungs] if rungs else list(study.ladder)
    with hold(study.output_dir):
        _run_locked(study, plans, selected, display, ray)
    return study.output_dir


def _run_locked(study: Study, plans: list[TaskPlan], selected: list[Any], display: str | None,
                ray: RayOptions | None) -> None:
    from contextlib import nullcontext

    from inspect_ai import eval_set

    from stagewise.providers import lazy_engines, release_engines

    refuse_changed_settings(study, selected)
    sizes = {p.benchmark: len(make_task(p, study.generation.seed).dataset) for p in plans}
    total = sum(sizes[p.benchmark] * p.epochs for r in selected for p in rung_plans(study, r, plans))

    def progress() -> tuple[int, int]:
        from stagewise.evaluate.status import study_status

        names = {r.name for r in selected}
        return sum(s.done for s in study_status(study) if s.rung in names), total

    judges = resolve_judges(study)
    # Resolve every rung before any work: a missing checkpoint or dead endpoint fails in seconds.
    resolved = {r.name: resolve(r.source, name=r.name, chat_template=r.chat_template, model_args=r.model_args)
                for r in selected}
    save_study(study)  # only once every rung resolved: a failed start must not rewrite what the logs were run with
    if ray is not None:
        from stagewise.evaluate.runner_ray import prefill_on_ray

        prefill_on_ray(study, plans, selected, resolved, judges, ray)
    try:
        # After a Ray prefill every generation is cached: rung and judge weights wait for a miss.
        with lazy_engines() if ray is not None else nullcontext():
            roles = judge_roles(study, judges)
            for rung in selected:
                model = resolved[rung.name]
                log_dir = study.log_dir / rung.name
                quarantine_corrupt_logs(log_dir, study.output_dir / "corrupt-logs" / rung.name)
                with no_false_success(log_dir):
                    tasks = [make_task(p, study.generation.seed) for p in rung_plans(study, rung, plans)]
                    ok, _ = eval_set(
                        tasks,
                        log_dir=str(log_dir),
                        model_roles=roles or None,
                        metadata=rung_metadata(study, rung, model),
                        log_dir_allow_dirty=True,
                        retry_attempts=1,
                        display=display,  # type: ignore[arg-type]
                        **eval_kwargs(study, model, job_size(model, tasks, study.generation.max_tokens)),
                    )
                release_engines()
                check_logs(rung.name, log_dir, ok, progress(), endpoint=model.base_url)
                set_aside_superseded(log_dir, study.output_dir / "superseded-logs" / rung.name)
    except KeyboardInterrupt:
        raise interrupted(progress()) from None


def rung_metadata(study: Study, rung: Rung, model: ResolvedModel) -> dict[str, Any]:
    """What every log of `rung` records in eval.metadata (`make_task` adds the per-benchmark part)."""
    return {"stagewise_rung": rung.name, "stagewise_stage": rung.stage, "stagewise_study": study.name,
            "stagewise_source": rung.source.model_dump(mode="json"), "stagewise_content_id": model.content_id}


def quarantine_corrupt_logs(log_dir: Path, aside: Path) -> list[Path]:
    """Move logs that cannot be read to `aside` (never deleted), so the rerun recomputes those tasks.

    `aside` must lie outside `log_dir`: Inspect lists logs recursively.
    """
    from inspect_ai.log import read_eval_log

    moved: list[Path] = []
    if not log_dir.is_dir():
        return moved
    for f in sorted(log_dir.glob("*.eval")) + sorted(log_dir.glob("*.json")):
        if f.name.startswith(("eval-set", "logs")):
            continue
        try:
            read_eval_log(str(f), header_only=True)
        except Exception:  # any read failure means the file cannot be resumed from
            dest = aside / f.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(f), dest)
            print(f"warning: log {f.name} is corrupt or truncated; moved to {dest} and its task will be rerun")
            moved.append(dest)
    return moved
