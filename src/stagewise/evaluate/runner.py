"""Run a study: every rung x benchmark as Inspect tasks, one `eval_set` per rung.

Logs go to `OUTPUT_DIR/logs/<rung>/`, so `inspect view --log-dir OUTPUT_DIR/logs` shows every
transcript. Resuming is layered: `eval_set` skips finished tasks and reuses the samples an
interrupted log already holds, and the content-keyed generation cache answers every generation
that finished before the kill, so no finished sample is recomputed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from stagewise._atomic import atomic_write_text
from stagewise._lock import hold
from stagewise.checkpoints import ResolvedModel, resolve
from stagewise.errors import RunError
from stagewise.evaluate._outcome import check_logs, interrupted, no_false_success, set_aside_superseded
from stagewise.evaluate._settings import refuse_changed_settings
from stagewise.evals import benchmark
from stagewise.evals._spec import RUNNER_OPTIONS
from stagewise.evaluate.study import Rung, Study
from stagewise.judges.spec import JudgeSpecError, check_applies, judge_arg

if TYPE_CHECKING:
    from stagewise.evaluate.runner_ray import RayOptions



@dataclass(frozen=True)
class TaskPlan:
    """One benchmark as the runner will launch it."""

    benchmark: str
    task_args: dict[str, Any]
    limit: int | None
    epochs: int
    # What the log records about how it was made (eval.metadata, see `task_metadata`).
    options: dict[str, Any] = field(default_factory=dict)
    judge: dict[str, Any] | None = None


def plan_tasks(study: Study) -> list[TaskPlan]:
    """Turn the study's `benchmarks:` section into task arguments (judge roles resolved)."""
    plans = []
    for name, opts in study.benchmarks.items():
        info = benchmark(name)
        args = {k: v for k, v in opts.items() if k not in RUNNER_OPTIONS}
        role = args.pop("judge", "grader")
        if role is not None and role not in study.judges:
            raise RunError(
                f"benchmark {name} uses judge role {role!r}, which is not bound; add `judges: {{{role}: MODEL}}` "
                f"to the study or pass --judge {role}=MODEL"
            )
        # The typed judge, written as the scorer argument `parse_judge` reads back: model judges by
        # role, string-match as None, other offline kinds and named classifiers by name.
        if role is not None:
            spec = study.judges[role].spec(role)
            try:
                check_applies(spec, name, info.offline_judges)
            except JudgeSpecError as e:
                raise RunError(f"{e}; bind its role {role!r} to another judge") from None
            args["judge"] = judge_arg(spec)
        if "data_path" not in args and study.data_dir is not None:
            args["data_path"] = str(study.data_dir / name)
        judge = None if role is None else study.judges[role].describe(role)
        plans.append(TaskPlan(name, args, opts.get("limit", study.limit), int(opts.get("epochs", study.epochs)),
                              options=dict(opts), judge=judge))
    return plans


def resolve_judges(study: Study) -> dict[str, ResolvedModel]:
    """The study's model judges, resolved (offline judges such as string-match need none)."""
    return {role: resolve(judge.source, name=f"judge-{role}", chat_template=judge.chat_template,
                          model_args=judge.model_args)
            for role, judge in study.judges.items() if judge.kind == "model"}


def judge_roles(study: Study, resolved: dict[str, ResolvedModel] | None = None,
                local_args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Inspect model roles for the study's model judges; `local_args` are added to local ones'."""
    return {role: judge_model(r, local_args)
            for role, r in (resolved if resolved is not None else resolve_judges(study)).items()}


def judge_model(r: ResolvedModel, local_args: dict[str, Any] | None = None) -> Any:
    """The Inspect model for a resolved judge, with the judges' settings (greedy, 512 tokens)."""
    from inspect_ai.model import GenerateConfig, get_model

    args = {**r.model_args, **(local_args or {})} if r.local_path is not None else r.model_args
    return get_model(r.model, base_url=r.base_url, api_key=r.api_key,
                     config=GenerateConfig(temperature=0.0, max_tokens=512), **args)


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

    from stagewise.providers._engine import release_engines
    from stagewise.providers.local import lazy_engines

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


def rung_plans(study: Study, rung: Rung, plans: list[TaskPlan]) -> list[TaskPlan]:
    """The plans as `rung` runs them: a production rung runs `noise_epochs` epochs (the noise ceiling)."""
    if rung.stage != "production" or not study.noise_epochs:
        return plans
    return [replace(p, epochs=max(p.epochs, study.noise_epochs)) for p in plans]


def rung_metadata(study: Study, rung: Rung, model: ResolvedModel) -> dict[str, Any]:
    """What every log of `rung` records in eval.metadata (`make_task` adds the per-benchmark part)."""
    return {"stagewise_rung": rung.name, "stagewise_stage": rung.stage, "stagewise_study": study.name,
            "stagewise_source": rung.source.model_dump(mode="json"), "stagewise_content_id": model.content_id}


def task_metadata(plan: TaskPlan) -> dict[str, Any]:
    """The per-benchmark part of a log's eval.metadata: benchmark key, study options, judge."""
    return {"stagewise_benchmark": plan.benchmark, "stagewise_options": plan.options, "stagewise_judge": plan.judge}


def eval_kwargs(study: Study, model: ResolvedModel, extra_model_args: dict[str, Any] | None = None) -> dict[str, Any]:
    """The model, concurrency and generation settings every evaluation of `model` uses."""
    from inspect_ai.model import GenerateConfig

    gen = study.generation
    config = GenerateConfig(max_tokens=gen.max_tokens, temperature=gen.temperature, top_p=gen.top_p, seed=gen.seed)
    if model.local_path is None:  # endpoints: a bounded wait, then a bounded number of retries
        config = config.merge(GenerateConfig(attempt_timeout=gen.request_timeout, max_retries=gen.max_retries))
    return {**_model_kwargs(model, extra_model_args), **_local_concurrency(model), **config.model_dump(exclude_none=True)}


def job_size(model: ResolvedModel, tasks: list[Any], max_tokens: int | None) -> dict[str, Any]:
    """`job_tokens` for a local rung on `engine: auto`: the most new tokens its tasks can ask for
    (samples x epochs x max_tokens), so the engine picks vLLM only for jobs where the measured
    break-even says it wins (`providers._engine.pick_backend`). Other rungs get nothing extra."""
    if model.local_path is None or str(model.model_args.get("engine", "hf")) != "auto" or "job_tokens" in model.model_args:
        return {}
    return {"job_tokens": sum(len(t.dataset) * (t.epochs or 1) for t in tasks) * (max_tokens or 0)}


def _model_kwargs(model: ResolvedModel, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    args = {**model.model_args, **(extra or {})}
    if model.api_key is None:
        return {"model": model.model, "model_base_url": model.base_url, "model_args": args}
    # An API key cannot travel as a model arg (it would be logged); bind it in a Model object.
    from inspect_ai.model import get_model

    return {"model": get_model(model.model, base_url=model.base_url, api_key=model.api_key, **args)}


def make_task(plan: TaskPlan, seed: int) -> Any:
    from inspect_ai import Epochs, task_with

    task = benchmark(plan.benchmark).load_task()(**plan.task_args)
    # Keep the task's own epoch reducer (a bare int would reset it to `mean`, which reads None as 0).
    epochs = Epochs(plan.epochs, task.epochs_reducer)
    meta = {**(task.metadata or {}), **task_metadata(plan)}
    if plan.limit and plan.limit < len(task.dataset):
        # A seeded shuffle before the cut: upstream files are ordered by category, so the first
        # N items would all be one kind. Same seed -> same items on every rung (pairing).
        dataset = task.dataset
        dataset.shuffle(seed=seed)
        return task_with(task, dataset=dataset[: plan.limit], epochs=epochs, metadata=meta)
    return task_with(task, epochs=epochs, metadata=meta)


def _local_concurrency(model: ResolvedModel) -> dict[str, Any]:
    # Local rungs batch every pending request: let all samples of all tasks be in flight at once.
    if model.local_path is not None:
        return {"max_samples": 512, "max_tasks": 8}
    return {}


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
