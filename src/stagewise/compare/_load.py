"""Read a saved `compare.json` back into a Comparison, and say whether derived files are fresh.

`report` reads the comparison `compare` wrote instead of rerunning the bootstrap, when the file is
newer than everything it was computed from and was computed with the same settings.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from pathlib import Path
from typing import Any

from stagewise.compare import _types
from stagewise.compare._types import Comparison


def is_fresh(derived: Path, inputs: list[Path]) -> bool:
    """True when `derived` exists and is at least as new as every existing file in `inputs`."""
    if not derived.is_file():
        return False
    mtime = derived.stat().st_mtime
    return all(p.stat().st_mtime <= mtime for p in inputs if p.is_file())


def study_logs(study_dir: Path) -> list[Path]:
    """The Inspect logs of a study (what `results/samples.parquet` is collected from)."""
    logs = study_dir / "logs"
    return sorted(logs.rglob("*.eval")) if logs.is_dir() else []


def _float(x: Any) -> Any:
    if x is None:
        return math.nan  # `to_dict` writes NaN as null
    if x in ("inf", "-inf"):
        return math.inf if x == "inf" else -math.inf
    return x


def _tuples(x: Any) -> Any:
    return tuple(_tuples(v) for v in x) if isinstance(x, list) else x


def _build(cls: type, data: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls, vars(_types))
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        v, hint = data[f.name], hints[f.name]
        if hint is float:
            v = _float(v)
        elif isinstance(v, list):
            inner = typing.get_args(hint)
            item = inner[0] if inner else None
            if dataclasses.is_dataclass(item):
                v = tuple(_build(item, x) for x in v)  # type: ignore[arg-type]
            else:
                v = _tuples([_float(x) if isinstance(x, (str, type(None))) and item is float else x for x in v])
        elif isinstance(v, dict) and dataclasses.is_dataclass(hint):
            v = _build(hint, v)  # type: ignore[arg-type]
        kwargs[f.name] = v
    return cls(**kwargs)


def from_dict(data: dict[str, Any]) -> Comparison:
    """The Comparison that `to_dict` wrote."""
    return _build(Comparison, data)


def load_comparison(path: Path, pairs: Any, **settings: Any) -> Comparison | None:
    """The comparison in `path` if it was computed with these `pairs` and settings
    (`n_boot`, `seed`, `confidence`, `alpha`), else None."""
    try:
        c = from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError, KeyError):  # unreadable or from an older layout: recompute
        return None
    same = all(getattr(c.settings, k) == v for k, v in settings.items())
    return c if same and c.chosen_pairs == tuple(tuple(p) for p in pairs) else None
