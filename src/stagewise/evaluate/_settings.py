"""Never old numbers under a new study.yaml: a rerun on a folder whose finished tasks were computed
with other settings (limit, subset, options, generation, template, judge, source) is refused."""

from __future__ import annotations

from typing import Any

import yaml

from stagewise.errors import StudyError
from stagewise.evaluate.study import Study


# Settings that change how long a request may take, never what it returns.
_NO_OUTPUT_CHANGE = ("request_timeout", "max_retries")


def refuse_changed_settings(study: Study, rungs: list[Any]) -> None:
    """Compare with OUTPUT_DIR/study.yaml; raise when a rung x benchmark that has logs would change."""
    saved = study.output_dir / "study.yaml"
    if not saved.is_file():
        return
    old = yaml.safe_load(saved.read_text()) or {}
    new = study.model_dump(mode="json", exclude_none=True)
    for rung in rungs:
        logs = study.log_dir / rung.name
        if not logs.is_dir() or not any(logs.glob("*.eval")):
            continue
        for bench in study.benchmarks:
            before, after = _inputs(old, rung.name, bench), _inputs(new, rung.name, bench)
            if before is None:
                continue  # a rung or benchmark new to this folder: nothing computed yet
            changed = _first_difference(before, after)
            if changed is not None:
                key, was, now = changed
                raise StudyError(
                    f"{study.output_dir} holds {rung.name} x {bench} results computed with {key}={was!r}, now "
                    f"{now!r}; choose a new output_dir for the new settings, or delete {logs} to recompute that rung"
                )


def _inputs(data: dict[str, Any], rung: str, bench: str) -> dict[str, Any] | None:
    """Everything that changes what one rung x benchmark task computes."""
    opts = (data.get("benchmarks") or {}).get(bench)
    entry = next((r for r in data.get("ladder") or [] if r.get("name") == rung), None)
    if opts is None or entry is None:
        return None
    role = opts.get("judge", "grader")
    return {
        "source": entry.get("source"), "chat_template": entry.get("chat_template"),
        "model_args": entry.get("model_args") or {},
        f"benchmarks.{bench}": {k: v for k, v in opts.items() if k not in ("limit", "epochs")},
        "limit": opts.get("limit", data.get("limit")), "epochs": opts.get("epochs", data.get("epochs", 1)),
        "generation": {k: v for k, v in (data.get("generation") or {}).items() if k not in _NO_OUTPUT_CHANGE},
        "data_dir": data.get("data_dir"),
        f"judges.{role}": (data.get("judges") or {}).get(role) if role else None,
    }


def _first_difference(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, Any, Any] | None:
    flat_a, flat_b = _flatten(a), _flatten(b)
    for key in sorted(set(flat_a) | set(flat_b)):
        if flat_a.get(key) != flat_b.get(key):
            return key, flat_a.get(key), flat_b.get(key)
    return None


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict) and v:
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out
