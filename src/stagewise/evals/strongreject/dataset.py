"""StrongREJECT forbidden prompts: the full set (313) or the small subset (60)."""

from __future__ import annotations

import hashlib
from typing import Any

from inspect_ai.dataset import Dataset, MemoryDataset, Sample

from stagewise.evals._data import DataFile, read_csv, resolve_data_file

REVISION = "3432b2d696b428f242bd507df96d80f686571d5e"
_BASE = f"https://raw.githubusercontent.com/alexandrasouly/strongreject/{REVISION}/strongreject_dataset/"
# The upstream files have no id column and the small set is a subset of the full one, so an
# item's id is a hash of its prompt text: stable across both files and across row orders.
STRONGREJECT_FILES = {
    "full": DataFile(
        benchmark="strongreject",
        filename="strongreject_dataset.csv",
        url=_BASE + "strongreject_dataset.csv",
        revision=REVISION,
    ),
    "small": DataFile(
        benchmark="strongreject",
        filename="strongreject_small_dataset.csv",
        url=_BASE + "strongreject_small_dataset.csv",
        revision=REVISION,
    ),
}
COLUMNS = ("category", "source", "forbidden_prompt")


def prompt_id(prompt: str) -> str:
    """The stable item id: `sr-` + the first 12 hex digits of the prompt's SHA-256."""
    return "sr-" + hashlib.sha256(prompt.encode()).hexdigest()[:12]


def record_to_sample(record: dict[str, Any]) -> Sample:
    """One forbidden prompt -> Sample (id from the prompt text, category and source kept)."""
    prompt = record["forbidden_prompt"]
    return Sample(
        id=prompt_id(prompt),
        input=prompt,
        metadata={"category": record["category"], "source": record["source"]},
    )


def load_dataset(data_path: str | None = None, subset: str = "full") -> Dataset:
    """StrongREJECT prompts from `data_path` (file or folder) or the pinned upstream file.

    Args:
        data_path: local `strongreject_dataset.csv` / `strongreject_small_dataset.csv` or a
            folder holding it; None downloads it.
        subset: `full` (313 prompts) or `small` (60).
    """
    path = resolve_data_file(STRONGREJECT_FILES[subset], data_path)
    samples = [record_to_sample(r) for r in read_csv(path, COLUMNS)]
    return MemoryDataset(samples, name=f"strongreject-{subset}", location=str(path))
