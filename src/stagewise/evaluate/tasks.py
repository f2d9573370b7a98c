"""What the runner launches: the study's benchmarks as Inspect tasks, their judges as model roles,
and the settings every evaluation of a rung uses.

Shared by the plain runner (`stagewise.evaluate.runner`) and the Ray prefill
(`stagewise.evaluate.runner_ray`), which must build the very same tasks so that the runner's
`eval_set` finds every generation the Ray workers cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from stagewise.checkpoints import ResolvedModel, resolve
from stagewise.errors import RunError
from stagewise.evals import RUNNER_OPTIONS, benchmark
from stagewise.judges.spec import JudgeSpecError, OfflineJudge, check_applies, judge_arg
from stagewise.evaluate.study import Rung, Study


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
        for extra in info.roles:
            bound = study.judges.get(extra)
            if bound is None or bound.kind != "model":
                raise RunError(f"benchmark {name} needs a model bound to the role {extra!r}; add "
                               f"`judges: {{{extra}: MODEL}}` to the study or pass --judge {extra}=MODEL")
        # The typed judge, written as the scorer argument `parse_judge` reads back: model judges by
        # role, the default offline judge as None, other offline kinds and named classifiers by name.
        if role is not None:
            spec = study.judges[role].spec(role)
            try:
                check_applies(spec, name, info.offline_judges)
            except JudgeSpecError as e:
                raise RunError(f"{e}; bind its role {role!r} to another judge") from None
            # a benchmark without offline kinds of its own judges offline its own way: judge=None
            args["judge"] = None if isinstance(spec, OfflineJudge) and not info.offline_judges else judge_arg(spec)
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
    from inspect_ai.model import get_model

    roles: dict[str, Any] = {}
    for role, r in (resolved if resolved is not None else resolve_judges(study)).items():
        args = {**r.model_args, **(local_args or {})} if r.local_path is not None else r.model_args
        roles[role] = get_model(r.model, base_url=r.base_url, api_key=r.api_key, config=judge_config(), **args)
    return roles


def judge_config() -> Any:
    from inspect_ai.model import GenerateConfig

    return GenerateConfig(temperature=0.0, max_tokens=512)


def rung_plans(study: Study, rung: Rung, plans: list[TaskPlan]) -> list[TaskPlan]:
    """The plans as `rung` runs them: a production rung runs `noise_epochs` epochs (the noise ceiling)."""
    if rung.stage != "production" or not study.noise_epochs:
        return plans
    return [replace(p, epochs=max(p.epochs, study.noise_epochs)) for p in plans]


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
