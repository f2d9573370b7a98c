"""Loaders for the public chat-log datasets on the Hugging Face hub (gated: accept their terms).

`stagewise logs ingest hub:wildchat hub:lmsys --out DIR` streams them with `datasets`
(nothing is downloaded whole). Both need a hub login (`hf auth login`) with an account that
has accepted the dataset's terms; errors reaching the hub become one `HubError` line that says so.
Tests stream local Parquet copies laid out like the hub repos through the same
`datasets.load_dataset(..., streaming=True)` path; only the hub itself is not exercised.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from stagewise.errors import StagewiseError
from stagewise.userlogs._readers import RawRecord

# name -> (repo, pinned revision or None for the default branch, split)
HUB_DATASETS: dict[str, tuple[str, str | None, str]] = {
    "wildchat": ("allenai/WildChat-1M", None, "train"),
    "wildchat-4.8m": ("allenai/WildChat-4.8M", None, "train"),
    "lmsys": ("lmsys/lmsys-chat-1m", None, "train"),
}
_LOGIN = "`hf auth login` (`huggingface-cli login` before huggingface_hub 1.0)"


class HubError(StagewiseError):
    """A hub dataset cannot be named, reached or read (offline, not logged in, terms not accepted)."""


def hub_records(spec: str) -> Iterator[RawRecord]:
    """Stream records of `wildchat`, `lmsys`, or any `ORG/NAME[@REVISION]` dataset in a known shape.

    Each record's file is `hub:REPO` (plus `@REVISION` when one is given) and its line the
    1-based row number, so dropped rows can be found again in the dataset.

    Raises:
        HubError: the name is unknown, or the hub cannot be reached or refuses access.
    """
    repo, revision, split = resolve_spec(spec)
    source = f"hub:{repo}" + (f"@{revision}" if revision else "")
    for i, row in enumerate(_stream(repo, revision, split), start=1):
        yield RawRecord(source, i, data=dict(row))


def resolve_spec(spec: str) -> tuple[str, str | None, str]:
    """(repo, revision, split) of a `hub:` spec: a short name of `HUB_DATASETS` or `ORG/NAME[@REVISION]`."""
    name, _, rev = spec.partition("@")
    revision: str | None = rev or None
    if name in HUB_DATASETS:
        repo, pinned, split = HUB_DATASETS[name]
        return repo, revision or pinned, split
    if "/" not in name:
        raise HubError(f"unknown hub dataset {spec!r}; use {', '.join(HUB_DATASETS)} or ORG/NAME[@REVISION]")
    return name, revision, "train"


def _stream(repo: str, revision: str | None, split: str) -> Iterator[dict[str, Any]]:
    # Streaming opens files lazily: access errors come from the first rows as well as from
    # load_dataset, so both sit inside the same handler.
    try:
        from datasets import load_dataset
    except ImportError:
        raise HubError(f"hub:{repo} needs the `datasets` library: pip install 'datasets>=3.0'") from None
    try:
        yield from load_dataset(repo, split=split, revision=revision, streaming=True)
    except _access_errors() as e:
        raise HubError(_access_message(repo, e)) from e


def _access_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "cannot reach or may not read": offline, network, auth, gated, missing."""
    from datasets.exceptions import DatasetNotFoundError
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, OfflineModeIsEnabled

    # datasets turns offline mode and failed connections into the builtin ConnectionError.
    errors: list[type[BaseException]] = [ConnectionError, DatasetNotFoundError, HfHubHTTPError,
                                         LocalEntryNotFoundError, OfflineModeIsEnabled]
    # A dropped connection mid-stream: huggingface_hub >= 1.0 talks its own httpx (re-exported, as
    # datasets uses it), older versions requests.
    try:
        from huggingface_hub.utils import httpx

        errors.append(httpx.TransportError)
    except ImportError:
        import requests

        errors.append(requests.exceptions.ConnectionError)
    return tuple(errors)


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().upper() in ("1", "ON", "YES", "TRUE")


def _access_message(repo: str, e: BaseException) -> str:
    """One line: what failed (the library's own first line) and the three fixes."""
    cause = f"{type(e).__name__}: {' '.join(str(e).split())}"[:240]
    page = f"https://huggingface.co/datasets/{repo}"
    offline = [v for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE") if _env_true(v)]
    if offline:
        return (f"hub:{repo}: {' and '.join(offline)} set, so the hub is not contacted and the dataset is not "
                f"cached ({cause}); unset {' and '.join(offline)}, log in with {_LOGIN} and accept the "
                f"dataset's terms at {page}")
    return (f"hub:{repo}: cannot read it from the Hugging Face hub ({cause}); it is gated, private, missing or "
            f"unreachable: log in with {_LOGIN}, accept the dataset's terms at {page}, check the name, "
            "and keep HF_HUB_OFFLINE unset")
