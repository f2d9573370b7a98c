"""XSTest prompts: 250 safe prompts that merely look unsafe, and 200 unsafe contrast prompts."""

from __future__ import annotations

from typing import Any, Literal

from inspect_ai.dataset import Dataset, MemoryDataset, Sample

from stagewise.evals._data import DataFile, read_csv, resolve_data_file

XSTEST_FILE = DataFile(
    benchmark="xstest",
    filename="xstest_prompts.csv",
    url="https://raw.githubusercontent.com/paul-rottger/xstest/"
    "d7bb5bd738c1fcbc36edd83d5e7d1b71a3e2d84d/xstest_prompts.csv",
    revision="d7bb5bd738c1fcbc36edd83d5e7d1b71a3e2d84d",
    sha256="11783fb294ed017473ee53c207d71f2161c7672c8d0b037501e78387f801cb5a",
)
COLUMNS = ("id", "prompt", "type", "label", "focus", "note")

Subset = Literal["all", "safe", "unsafe"]


def record_to_sample(record: dict[str, Any]) -> Sample:
    """One XSTest row -> Sample with the upstream id; `label` is `safe` or `unsafe`."""
    return Sample(
        id=int(record["id"]),
        input=record["prompt"],
        metadata={
            "label": record["label"],
            "type": record["type"],
            "focus": record["focus"],
            "note": record["note"],
        },
    )


def load_dataset(data_path: str | None = None, subset: Subset = "all") -> Dataset:
    """The XSTest prompts from `data_path` (file or folder) or the pinned upstream file.

    Args:
        data_path: local `xstest_prompts.csv` or a folder holding it; None downloads it.
        subset: `safe` (250 over-refusal probes), `unsafe` (200 contrasts) or `all`.
    """
    path = resolve_data_file(XSTEST_FILE, data_path)
    samples = [record_to_sample(r) for r in read_csv(path, COLUMNS)]
    if subset != "all":
        samples = [s for s in samples if (s.metadata or {})["label"] == subset]
    return MemoryDataset(samples, name=f"xstest-{subset}", location=str(path))
