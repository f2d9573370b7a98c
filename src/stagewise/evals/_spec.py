"""What a benchmark folder declares about itself: its metrics (in `meta.py`) and its options
(the parameters of its `@task`, read from `task.py` without importing Inspect).

Kept free of heavy imports: `load_study` checks a study's `benchmarks:` section against these
before any model or task module loads.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Literal

# Options a study passes to the runner rather than to the task (see `stagewise.evaluate.runner`).
RUNNER_OPTIONS: dict[str, Any] = {"limit": int | None, "epochs": int}

_TYPES: dict[str, Any] = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict,
                          "None": None, "Literal": Literal}


@dataclass(frozen=True)
class MetricSpec:
    """What one per-sample value means and how to compare it across rungs."""

    name: str
    kind: Literal["rate", "mean"]
    safer: Literal["lower", "higher"]
    description: str
    margin: float  # default equivalence margin, absolute, on the metric's own scale


def rate(name: str, safer: Literal["lower", "higher"], description: str, margin: float = 0.05) -> MetricSpec:
    """A 0/1 metric averaged into a rate (the usual kind)."""
    return MetricSpec(name=name, kind="rate", safer=safer, description=description, margin=margin)


@dataclass(frozen=True)
class BenchmarkInfo:
    """A benchmark of the battery: its folder (`stagewise.evals.<name>`), task and metrics."""

    name: str
    metrics: tuple[MetricSpec, ...]
    kind: Literal["chat", "agentic"] = "chat"
    # Offline judges its scorer takes by name. `judge=None` is the benchmark's offline default: for the
    # refusal benchmarks `stagewise.judges.offline.DEFAULT_OFFLINE_JUDGE`. A study may bind string-match
    # for any benchmark; one that does not list it gets None.
    offline_judges: tuple[str, ...] = ()
    # Model roles the task reads besides its judge (e.g. petri_audit's `auditor`): the study must
    # bind each to a model under `judges:`; the runner checks before any model loads.
    roles: tuple[str, ...] = ()
    task: str = field(default="")  # "module:function"; default `stagewise.evals.<name>.task:<name>`

    def __post_init__(self) -> None:
        if not self.task:
            object.__setattr__(self, "task", f"stagewise.evals.{self.name}.task:{self.name}")

    @property
    def task_function(self) -> str:
        return self.task.rpartition(":")[2]

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics)

    def load_task(self) -> Callable[..., Any]:
        module, _, fn = self.task.partition(":")
        return getattr(importlib.import_module(module), fn)

    def metric(self, name: str) -> MetricSpec:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(f"{self.name} has no metric {name!r}")

    @cached_property
    def options(self) -> dict[str, Any]:
        """Option name -> type (`Any` where the annotation names a type of the task module)."""
        return {**task_parameters(self.task), **RUNNER_OPTIONS}

    def check_options(self, opts: dict[str, Any]) -> dict[str, Any]:
        """Validate a study's options for this benchmark; raise ValueError naming the bad one."""
        from pydantic import TypeAdapter, ValidationError

        import difflib

        valid = self.options
        for key, value in opts.items():
            if key not in valid:
                close = difflib.get_close_matches(key, list(valid), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValueError(f"{self.name}: unknown option {key!r}; {hint}valid options: {', '.join(valid)}")
            if key in RUNNER_OPTIONS and value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                                                or value < 1):
                fix = "remove it to run every item" if key == "limit" else "use 1 or more"
                raise ValueError(f"{self.name}.{key} must be a whole number >= 1, got {value!r}; {fix}")
            try:
                TypeAdapter(valid[key]).validate_python(value, strict=True)
            except ValidationError as e:
                raise ValueError(f"{self.name}.{key}={value!r}: {e.errors()[0]['msg']}") from None
        return opts


def task_parameters(task: str) -> dict[str, Any]:
    """The parameters of the `@task` named by "module:function", read from its source with `ast`."""
    module, _, fn = task.partition(":")
    spec = importlib.util.find_spec(module)  # type: ignore[attr-defined]
    if spec is None or spec.origin is None:
        raise ValueError(f"task module {module} not found")
    tree = ast.parse(Path(spec.origin).read_text())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == fn:
            args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            return {a.arg: _annotation(a.annotation) for a in args}
    raise ValueError(f"{task}: no function {fn} in {spec.origin}")


def _annotation(node: ast.expr | None) -> Any:
    if node is None:
        return Any
    try:
        return eval(compile(ast.Expression(node), "<annotation>", "eval"), {"__builtins__": {}}, dict(_TYPES))
    except Exception:  # a name defined in the task module (e.g. SandboxKind): accept any value
        return Any
