"""HarmBench text behaviors (standard and contextual; copyright excluded by default)."""

from __future__ import annotations

from typing import Any

from inspect_ai.dataset import Dataset, MemoryDataset, Sample

from stagewise.evals._data import DataFile, read_csv, resolve_data_file
from stagewise.evals.harmbench.prompts import CONTEXT_SEPARATOR

REVISION = "8e1604d1171fe8a48d8febecd22f600e462bdcdd"
_BASE = f"https://raw.githubusercontent.com/centerforaisafety/HarmBench/{REVISION}/data/behavior_datasets/"
HARMBENCH_FILES = {
    "test": DataFile(
        benchmark="harmbench",
        filename="harmbench_behaviors_text_test.csv",
        url=_BASE + "harmbench_behaviors_text_test.csv",
        revision=REVISION,
        sha256="75d257b3e7428c52eb7b0154318f455af3e01b09a3794b5e2f3d36054f3c0e29",
    ),
    "val": DataFile(
        benchmark="harmbench",
        filename="harmbench_behaviors_text_val.csv",
        url=_BASE + "harmbench_behaviors_text_val.csv",
        revision=REVISION,
        sha256="7bfaaa5e2b9b95002c89e2d33c019f58e9e8496e2fc65d368f1eeb8179e69534",
    ),
}
COLUMNS = ("Behavior", "FunctionalCategory", "SemanticCategory", "Tags", "ContextString", "BehaviorID")


def record_to_sample(record: dict[str, Any]) -> Sample:
    """One behavior -> Sample with id = BehaviorID; contextual behaviors get their context
    before the request, as HarmBench's DirectRequest test cases do."""
    behavior = record["Behavior"]
    context = record.get("ContextString") or ""
    return Sample(
        id=record["BehaviorID"],
        input=f"{context}{CONTEXT_SEPARATOR}{behavior}" if context else behavior,
        metadata={
            "behavior": behavior,
            "context": context or None,
            "functional_category": record["FunctionalCategory"],
            "semantic_category": record["SemanticCategory"],
            "tags": record.get("Tags") or "",
        },
    )


def load_dataset(data_path: str | None = None, split: str = "test", include_copyright: bool = False) -> Dataset:
    """HarmBench behaviors from `data_path` (file or folder) or the pinned upstream file.

    Args:
        data_path: local `harmbench_behaviors_text_<split>.csv` or a folder holding it.
        split: `test` (320 behaviors, 240 without copyright) or `val` (80, 60).
        include_copyright: keep copyright behaviors (not judged by this classifier).
    """
    path = resolve_data_file(HARMBENCH_FILES[split], data_path)
    samples = [record_to_sample(r) for r in read_csv(path, COLUMNS)]
    if not include_copyright:
        samples = [s for s in samples if (s.metadata or {})["functional_category"] != "copyright"]
    name = f"harmbench-{split}" + ("" if include_copyright else "-no-copyright")
    return MemoryDataset(samples, name=name, location=str(path))
