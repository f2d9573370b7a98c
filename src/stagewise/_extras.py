"""The optional parts of stagewise and the one-line error when one is missing.

`pip install stagewise` (the light core) validates study files, reads logs and runs `results`,
`compare`, `report` and the string-match judge; everything heavier is an extra (pyproject.toml):

    local   torch, transformers, accelerate, gguf: local generation, checkpoint conversion
    train   local + trl, peft, datasets: `stagewise train`, `stagewise demo`
    report  matplotlib: the report's plots (the report is written without them)
    embed   sentence-transformers, scikit-learn: the classifier judge, `stagewise logs embed`
    logs    xxhash, presidio, faker, datasets: `stagewise logs`
    names   spacy; ray: Ray Data; models: the small packaged models; dev: pytest
"""

from __future__ import annotations

import importlib.util

from stagewise.errors import MissingExtra

# extra -> the top-level modules it provides (checked without importing them)
EXTRAS: dict[str, tuple[str, ...]] = {
    "local": ("torch", "transformers", "accelerate", "gguf"),
    "train": ("torch", "transformers", "accelerate", "gguf", "trl", "peft", "datasets"),
    "report": ("matplotlib",),
    "embed": ("sentence_transformers", "sklearn", "torch", "transformers"),
    "logs": ("xxhash", "presidio_analyzer", "presidio_anonymizer", "faker", "datasets"),
    "names": ("spacy",),
    "ray": ("ray",),
}

# a missing module -> the extra that brings it (the smallest one that does)
_MODULE_EXTRA: dict[str, str] = {}
for _extra in ("local", "report", "embed", "names", "ray", "logs", "train"):
    for _module in EXTRAS[_extra]:
        _MODULE_EXTRA.setdefault(_module, _extra)


def installed(module: str) -> bool:
    """Whether `module` can be imported (found on the path; nothing is imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a blocked import, or a module without a spec
        return False


def missing(extra: str) -> list[str]:
    """The modules of `extra` that are not installed."""
    return [m for m in EXTRAS[extra] if not installed(m)]


def message(what: str, extra: str) -> str:
    return f"{what} needs the '{extra}' extra: pip install 'stagewise[{extra}]'"


def require(extra: str, what: str) -> None:
    """Raise MissingExtra (one line: what needs which extra, and the pip command) unless installed."""
    if missing(extra):
        raise MissingExtra(message(what, extra))


def extra_for(error: ModuleNotFoundError) -> str | None:
    """The extra that provides the module an import failed on, or None for a module no extra brings."""
    name = (error.name or "").partition(".")[0]
    return _MODULE_EXTRA.get(name)
