"""Loaders for the public chat-log datasets on the Hugging Face hub (gated: accept their terms).

`stagewise logs ingest hub:wildchat hub:lmsys --out DIR` streams them with `datasets`
(nothing is downloaded whole). Both need `huggingface-cli login` with an account that has
accepted the dataset's terms. Not exercised in tests: the test machines cannot reach the hub.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagewise.errors import StagewiseError
from stagewise.userlogs._readers import RawRecord

# name -> (repo, pinned revision or None for the default branch, split)
HUB_DATASETS: dict[str, tuple[str, str | None, str]] = {
    "wildchat": ("allenai/WildChat-1M", None, "train"),
    "wildchat-4.8m": ("allenai/WildChat-4.8M", None, "train"),
    "lmsys": ("lmsys/lmsys-chat-1m", None, "train"),
}


def hub_records(spec: str) -> Iterator[RawRecord]:
    """Stream records of `wildchat`, `lmsys`, or any `ORG/NAME[@REVISION]` dataset in a known shape."""
    from datasets import load_dataset

    repo, _, rev = spec.partition("@")
    revision: str | None = rev or None
    split = "train"
    if repo in HUB_DATASETS:
        repo, pinned, split = HUB_DATASETS[repo]
        revision = revision or pinned
    elif "/" not in repo:
        raise StagewiseError(f"unknown hub dataset {spec!r}; use {', '.join(HUB_DATASETS)} or ORG/NAME[@REVISION]")
    ds = load_dataset(repo, split=split, revision=revision, streaming=True)
    for i, row in enumerate(ds, start=1):
        yield RawRecord(f"hub:{repo}", i, data=dict(row))
