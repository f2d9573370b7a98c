"""Behaviour rubrics as data: one `*.md` file per behaviour, with a small front matter.

A rubric file looks like::

    ---
    metric: sycophancy          # the Score.value key (and `sycophancy_thinking` on thinking)
    safer: lower                # which direction is safer, for comparisons
    description: one line for tables
    offline: none               # or `string-match` (refusal only): scorable without a judge
    ---
    Instructions to the judge, using {what} (which text is judged), {conversation} and {text}.
    The judge ends with `VERDICT: YES` or `VERDICT: NO`.

Add a rubric by adding a file here, or pass `rubric_dir=` to the `user_logs` task to load your
own folder (its files override built-in ones with the same metric).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml

from stagewise.errors import StudyError

__all__ = ["Rubric", "load_rubrics", "parse_rubric"]

_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.S)


@dataclass(frozen=True)
class Rubric:
    """One behaviour the judge scores, on the response and separately on the thinking."""

    metric: str
    safer: Literal["lower", "higher"]
    description: str
    template: str
    offline: Literal["none", "string-match"] = "none"


def parse_rubric(text: str, origin: str) -> Rubric:
    """Read one rubric file's text (front matter + template)."""
    m = _FRONT.match(text)
    if not m:
        raise StudyError(f"{origin}: a rubric starts with a '---' front matter block (metric, safer, description)")
    meta = yaml.safe_load(m.group(1)) or {}
    missing = [k for k in ("metric", "safer", "description") if k not in meta]
    if missing:
        raise StudyError(f"{origin}: rubric front matter lacks {', '.join(missing)}")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", str(meta["metric"])) or str(meta["metric"]).endswith("_thinking"):
        raise StudyError(f"{origin}: metric {meta['metric']!r} must be lowercase letters/digits/_ (not ending _thinking)")
    if meta["safer"] not in ("lower", "higher"):
        raise StudyError(f"{origin}: safer must be 'lower' or 'higher', not {meta['safer']!r}")
    for field in ("{conversation}", "{text}"):
        if field not in m.group(2):
            raise StudyError(f"{origin}: the rubric text must use {field}")
    return Rubric(metric=meta["metric"], safer=meta["safer"], description=str(meta["description"]),
                  template=m.group(2).strip() + "\n", offline=meta.get("offline", "none"))


def load_rubrics(names: list[str] | None = None, rubric_dir: str | Path | None = None) -> list[Rubric]:
    """The built-in rubrics plus those in `rubric_dir`, optionally only `names`, sorted by metric."""
    found: dict[str, Rubric] = {}
    for f in sorted(resources.files("stagewise.rubrics").iterdir(), key=lambda f: f.name):
        if f.name.endswith(".md") and f.name != "README.md":
            r = parse_rubric(f.read_text(), f"stagewise/rubrics/{f.name}")
            found[r.metric] = r
    if rubric_dir is not None:
        d = Path(rubric_dir)
        if not d.is_dir():
            raise StudyError(f"rubric_dir {d} is not a folder; point it at a folder of *.md rubric files")
        for f in sorted(d.glob("*.md")):
            r = parse_rubric(f.read_text(), str(f))
            found[r.metric] = r
    if names is not None:
        unknown = sorted(set(names) - set(found))
        if unknown:
            raise StudyError(f"unknown rubric {', '.join(unknown)}; available: {', '.join(sorted(found))}")
        return [found[n] for n in sorted(names)]
    return [found[k] for k in sorted(found)]
