"""Which person-name recogniser a `--names` value stands for, and loading spaCy pipelines for it.

Accepted values: `auto` (spaCy with en_core_web_sm when both are installed, else the
heuristic), `heuristic`, `off`, `spacy` (= `spacy:en_core_web_sm`) and `spacy:NAME_OR_PATH`
(an installed spaCy pipeline package, or a folder written by `nlp.to_disk`). Values are
resolved once to a canonical form (`spacy:<package>` or `spacy:<absolute folder>`), so an
ingest can record which recogniser really ran and a resume can refuse a different one.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any

from stagewise.errors import StagewiseError

DEFAULT_SPACY_MODEL = "en_core_web_sm"
NAME_FORMS = "auto, heuristic, off, spacy (= spacy:en_core_web_sm), spacy:PACKAGE or spacy:PIPELINE_DIR"
# spaCy's English pipelines label people PERSON; its other languages and xx_ent_wiki_sm use PER.
PERSON_LABELS = frozenset({"PERSON", "PER"})
_INSTALL_HINT = (f"pip install 'stagewise[names]' && python -m spacy download {DEFAULT_SPACY_MODEL}, "
                 "pass spacy:PIPELINE_DIR, or use --names heuristic")


# The heuristic's first names: Faker's per-locale person providers (a maintained package,
# ~7,900 Latin-script first names over 30 locales), not a hand-typed list.
_FAKER_LOCALES = ("en_US", "en_GB", "en_IN", "en_IE", "en_NZ", "hi_IN", "es_ES", "es_MX", "fr_FR", "de_DE", "it_IT",
                  "pt_BR", "pt_PT", "nl_NL", "pl_PL", "tr_TR", "sv_SE", "da_DK", "no_NO", "fi_FI", "cs_CZ", "hu_HU",
                  "ro_RO", "id_ID", "vi_VN", "sw", "yo_NG", "zu_ZA", "ga_IE", "ar_AA", "fa_IR", "ko_KR", "zh_TW")
# First names that are also everyday capitalised words at a sentence start or in a heading.
_COMMON_WORDS = frozenset(
    "Will May June April August Mark Bill Grant Hope Faith Joy Rose Art Sunday Page Lane Dawn Summer Holly Ivy Iris "
    "Amber Crystal Major Price Rich Sage Guy Chase Lee Royal Miles Case Bob Sue Pat Don Ray Van Rod Al Max Ben Sky "
    "Angel Star Chance Cash Baby Love Honey Ginger Pepper Storm River Brook Forest Jade Ruby Pearl Violet Hunter "
    "Carter Mason Taylor Tucker Parker Cooper Austin Dallas Jordan Paris Florence Sydney Victoria Georgia Virginia "
    "Carolina Alexandria Regina Columbia Nancy Kent Jersey Lincoln".split())
ORG_WORDS = (r"Inc|Ltd|LLC|LLP|PLC|Corp|Corporation|Company|Co|Group|Bank|University|College|Hospital|Foundation|"
             r"Institute|Associates|Partners|Holdings|Labs|Capital|Stanley|Sachs|Brothers|Motors|Airlines|School")
# Second words that make "<first name> <word>" a heading or a product, not a person.
NOT_SURNAMES = frozenset("Street Avenue Road Manager Director Engineer Report Team Project Application Account "
                         "Server Studio Center Centre Park Hall Day Night Week Month Year Edition Version".split())


@functools.cache
def first_names() -> frozenset[str]:
    """Faker's first names (its maintained per-locale lists), less everyday capitalised words."""
    import importlib

    out: set[str] = set()
    for loc in _FAKER_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
        except ImportError:
            continue
        for attr in ("first_names", "first_names_male", "first_names_female"):
            vals = getattr(provider, attr, ())
            out.update(vals.keys() if isinstance(vals, dict) else vals)
    return frozenset(n for n in out if n.isascii() and n.isalpha() and n[:1].isupper() and len(n) > 1) - _COMMON_WORDS


class NamesError(StagewiseError):
    """A `--names` value is not a known form, or its spaCy pipeline cannot be loaded."""


def resolve_names(names: str) -> str:
    """The canonical recogniser for `names`: `off`, `heuristic`, `spacy:<package>` or `spacy:<folder>`.

    Raises:
        NamesError: `names` is of no accepted form, or names a pipeline that is not there.
    """
    check_form(names)
    if names in ("off", "heuristic"):
        return names
    if names == "auto":
        return f"spacy:{DEFAULT_SPACY_MODEL}" if spacy_available() else "heuristic"
    if names == "spacy":
        return f"spacy:{DEFAULT_SPACY_MODEL}"
    return f"spacy:{_pipeline_target(names.removeprefix('spacy:').strip())}"


def check_form(names: str) -> None:
    """Raise `NamesError` unless `names` has an accepted form (it may still name a missing pipeline)."""
    kind, sep, target = names.partition(":")
    if names not in ("auto", "heuristic", "off", "spacy") and not (kind == "spacy" and sep and target.strip()):
        raise NamesError(f"{names!r} is not a person-name recogniser; use one of: {NAME_FORMS}")


def _pipeline_target(target: str) -> str:
    # spacy.load takes a package name or a folder; a value that looks like a path must be a folder,
    # so a typo in a path is reported as a missing folder, not as a missing package.
    path = Path(target).expanduser()
    looks_like_path = "/" in target or "\\" in target or target.startswith((".", "~"))
    if not looks_like_path and (_is_package(target) or not path.exists()):
        return target  # spacy.load, too, prefers an installed package to a folder of the same name
    if not path.is_dir():
        raise NamesError(f"--names spacy:{target}: no spaCy pipeline folder at {path}; "
                         "write one with nlp.to_disk(PATH), or use --names heuristic")
    return str(path.resolve())


def _is_package(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # "a.b" with no package "a", or an empty name
        return False


@functools.cache
def spacy_available(model: str = DEFAULT_SPACY_MODEL) -> bool:
    """Whether spaCy and the pipeline package `model` are both installed (without importing them)."""
    return _is_package("spacy") and _is_package(model)


@functools.cache
def load_pipeline(target: str) -> Any:
    """Load (once per process: loading takes seconds) the spaCy pipeline `target`, a package or folder.

    Raises:
        NamesError: spaCy or the package is not installed, the folder is not a pipeline, or the
            pipeline has no component that sets entities.
    """
    if not _is_package("spacy"):
        raise NamesError(f"--names spacy:{target} needs spaCy, which is not installed: {_INSTALL_HINT}")
    is_folder = Path(target).is_absolute()
    if not is_folder and not _is_package(target):
        raise NamesError(f"spaCy pipeline {target!r} is not installed (spaCy pipelines are not on PyPI): "
                         f"python -m spacy download {target} (for spaCy's own), pass spacy:PIPELINE_DIR, "
                         "or use --names heuristic")
    if is_folder and not (Path(target) / "config.cfg").is_file():
        raise NamesError(f"{target} is not a spaCy pipeline folder (it has no config.cfg); "
                         "write one with nlp.to_disk(PATH), or use --names heuristic")
    import spacy

    # The parser and lemmatizer do not feed the entity recogniser: skipping them halves the time.
    nlp = spacy.load(target, disable=["parser", "lemmatizer"])
    _check_finds_people(nlp, target)
    return nlp


def _check_finds_people(nlp: Any, target: str) -> None:
    # A pipeline without an entity component (or one that never labels people) would scrub no
    # name at all, silently: that must stop the run, not pass as "no names found".
    setters = [n for n in nlp.pipe_names if "doc.ents" in nlp.get_pipe_meta(n).assigns]
    if not setters:
        raise NamesError(f"spaCy pipeline {target} has no component that sets entities (ner or entity_ruler: "
                         f"it has {nlp.pipe_names or 'none'}), so it can find no names")
    labels = {lab for n in setters for lab in getattr(nlp.get_pipe(n), "labels", ())}
    if labels and not labels & PERSON_LABELS:
        raise NamesError(f"spaCy pipeline {target} labels no people (its entity labels: {sorted(labels)}; "
                         f"names need one of {sorted(PERSON_LABELS)})")


def recogniser_identity(resolved: str) -> str:
    """`resolved`, the structured recognisers' versions and, for a pipeline folder, its meta.json's size and time.

    An ingest fingerprints this (as it does its input files), so resuming with a pipeline
    re-saved in the same folder is refused instead of scrubbing the rest differently.
    """
    from stagewise.userlogs._recognisers import recogniser_versions

    structured = recogniser_versions()  # Presidio's version and ours: a resume on an upgrade is refused
    target = resolved.removeprefix("spacy:")
    meta = Path(target) / "meta.json"
    if not resolved.startswith("spacy:") or not Path(target).is_absolute() or not meta.is_file():
        return f"{resolved}|{structured}"
    st = meta.stat()
    return f"{resolved}|{st.st_size}|{int(st.st_mtime)}|{structured}"


def person_spans(target: str, text: str) -> list[tuple[int, int]]:
    """Character offsets of the people the spaCy pipeline `target` finds in `text`."""
    return [(e.start_char, e.end_char) for e in load_pipeline(target)(text).ents if e.label_ in PERSON_LABELS]
