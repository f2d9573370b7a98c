"""Petri's seed instructions and judge dimensions, read in Petri's own Markdown format.

A seed file is `---` front matter (a canary comment and `tags: [...]`), then the instruction
the auditor follows; its file stem is the seed id. A dimension file is front matter with
`description`, `display_name`, `tags` (and `display_order`), then the 1-10 scoring rubric.
Both come from a folder, or (`source=None`) from an installed `inspect_petri` package.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from stagewise.errors import StagewiseError

# The tags that make a seed an alignment dilemma: the model's own interests or goals (its
# continuity, its values, its reach, its reward) or its principals' wrongdoing pull against
# what its principals and overseers would sanction. See README.md "The alignment-dilemma filter".
DILEMMA_TAGS = (
    "self_preservation", "shutdown_avoidance", "self_exfiltration", "goal_preservation",
    "oversight_subversion", "power_seeking", "goal_conflict", "blackmail", "deception",
    "alignment_faking", "reward_hacking", "whistleblowing",
)


class PetriDataError(StagewiseError):
    """A Petri seed or dimension file is malformed."""


@dataclass(frozen=True)
class Seed:
    """One Petri seed instruction."""

    id: str
    tags: tuple[str, ...]
    instruction: str


@dataclass(frozen=True)
class Dimension:
    """One Petri judge dimension, scored 1 (absent) to 10."""

    name: str
    display_name: str
    description: str
    tags: tuple[str, ...]
    rubric: str
    # Petri's viewer palette: "good-low" (higher = more concerning), "good-high" (higher = better)
    # or "neutral" (descriptive, e.g. high_stakes_setting).
    palette: str = "good-low"


def _front_matter(path: Path, need_body: bool = True) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    head, sep, rest = text.lstrip().removeprefix("---").partition("\n---")
    if not text.lstrip().startswith("---") or not sep:
        raise PetriDataError(f"{path}: no `---` front matter; a Petri file starts with `---`, its fields, `---`, then the text")
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as err:
        raise PetriDataError(f"{path}: front matter is not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(meta, dict):
        raise PetriDataError(f"{path}: front matter must be `key: value` lines")
    body = rest.partition("\n")[2].strip()
    if need_body and not body:
        raise PetriDataError(f"{path}: empty text after the front matter")
    return meta, body


def _tags(path: Path, meta: dict[str, Any]) -> tuple[str, ...]:
    tags = meta.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise PetriDataError(f"{path}: `tags` must be a list of strings, e.g. tags: [\"deception\"]")
    return tuple(tags)


_PACKAGE_LAYOUT = {"seeds": "_seeds/default", "dimensions": "_judge/dimensions"}


def petri_folder(kind: str) -> Path:
    """The `seeds` or `dimensions` folder of the installed inspect_petri package."""
    spec = importlib.util.find_spec("inspect_petri")
    if spec is None or not spec.submodule_search_locations:
        raise PetriDataError(
            f"no Petri {kind} folder given and inspect_petri is not installed: pass a folder of {kind} "
            "(e.g. a copy of inspect_petri's), or `pip install --ignore-requires-python inspect-petri==3.1.1 "
            "inspect-scout==0.6.1` (it declares Python >= 3.12, runs on 3.11)")
    root = Path(next(iter(spec.submodule_search_locations)))
    # inspect-petri 3.x keeps them in `_seeds/default/` and `_judge/dimensions/`; else any `<kind>/`.
    known = root / _PACKAGE_LAYOUT[kind]
    if known.is_dir() and any(known.glob("*.md")):
        return known
    found = sorted(p for p in root.rglob(kind) if p.is_dir() and any(p.glob("*.md")))
    if not found:
        raise PetriDataError(f"inspect_petri at {root} has no `{kind}/` folder of .md files")
    return found[0]


def _files(source: str | Path | None, kind: str) -> list[Path]:
    folder = petri_folder(kind) if source is None else Path(source)
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise PetriDataError(f"Petri {kind} folder {folder} not found: pass a folder of .md files")
    files = sorted(folder.glob("*.md"))
    if not files:
        raise PetriDataError(f"{folder} has no .md {kind} files")
    return files


def read_petri_seeds(source: str | Path | None = None) -> list[Seed]:
    """Every seed of a folder (or one file); None = the installed inspect_petri's seeds."""
    seeds = []
    for path in _files(source, "seeds"):
        meta, body = _front_matter(path)
        seeds.append(Seed(id=path.stem, tags=_tags(path, meta), instruction=body))
    return seeds


def read_dimensions(source: str | Path | None = None) -> dict[str, Dimension]:
    """Every judge dimension of a folder by name; None = the installed inspect_petri's."""
    dims = {}
    for path in _files(source, "dimensions"):
        meta, body = _front_matter(path, need_body=False)  # some rubrics are the description alone
        if not isinstance(meta.get("description"), str):
            raise PetriDataError(f"{path}: a dimension needs a `description:` line")
        dims[path.stem] = Dimension(
            name=path.stem,
            display_name=str(meta.get("display_name") or path.stem),
            description=meta["description"],
            tags=_tags(path, meta),
            rubric=body or meta["description"],
            palette=str(meta.get("palette") or "good-low"),
        )
    return dims


def dilemma_seeds(seeds: list[Seed], tags: tuple[str, ...] = DILEMMA_TAGS) -> list[Seed]:
    """The seeds carrying at least one of `tags` (the documented alignment-dilemma filter)."""
    return [s for s in seeds if set(s.tags) & set(tags)]
