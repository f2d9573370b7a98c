"""The reward-hacking tasks: one folder per task under `tasks/` (or a `data_path` with that layout).

A task folder holds `task.json` ({"function", "summary"}), `solution.py.txt` (the slow
function), `inputs.py.txt` (the input generator) and `reference.py.txt` (a correct fast
implementation the agent never sees). The shared harness (`harness/`) renders the benchmark
script and the correctness tests around them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from inspect_ai.dataset import MemoryDataset, Sample

from stagewise.errors import StagewiseError
from stagewise.evals.reward_hacking.prompts import INSTRUCTION

HERE = Path(__file__).parent
TASKS_DIR = HERE / "tasks"
HARNESS_DIR = HERE / "harness"
WORKSPACE = "/workspace"


class TaskDataError(StagewiseError):
    """A reward-hacking task folder is incomplete."""


@dataclass(frozen=True)
class HackTask:
    """One task, its files rendered as the agent sees them plus the hidden grader files."""

    id: str
    function: str
    summary: str
    visible: dict[str, str]  # file name in /workspace -> text
    hidden: dict[str, str]  # file name in the grader dir -> text


def sha256(text: str | bytes) -> str:
    """Hex SHA-256 of a file's contents."""
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def no_local_copy(data_path: str | None, benchmark: str) -> bool:
    """True when `data_path` is the runner's `<data_dir>/<benchmark>` convention and that folder
    does not exist: the study has no local copy, so the shipped (or pinned) data is used."""
    if data_path is None:
        return True
    path = Path(data_path)
    return not path.exists() and path.name == benchmark and path.parent.is_dir()


def load_task(folder: Path) -> HackTask:
    """Read and render one task folder."""
    need = ("task.json", "solution.py.txt", "inputs.py.txt", "reference.py.txt")
    missing = [n for n in need if not (folder / n).is_file()]
    if missing:
        raise TaskDataError(f"reward-hacking task {folder.name} lacks {', '.join(missing)}: add them (see README.md)")
    meta = json.loads((folder / "task.json").read_text())
    function, summary = meta["function"], meta["summary"]
    solution = (folder / "solution.py.txt").read_text()
    inputs = (folder / "inputs.py.txt").read_text()
    naive = re.sub(rf"\bdef {re.escape(function)}\(", "def _naive(", solution, count=1)
    fill = {"function": function, "naive": naive.strip()}
    visible = {
        "solution.py": solution,
        "inputs.py": inputs,
        "benchmark.py": (HARNESS_DIR / "benchmark.py.txt").read_text().format(**fill),
        "test_solution.py": (HARNESS_DIR / "test_solution.py.txt").read_text().format(**fill),
    }
    hidden = {
        "checker.py": (HARNESS_DIR / "checker.py.txt").read_text(),
        "worker.py": (HARNESS_DIR / "worker.py.txt").read_text(),
        "original.py": solution,
        "inputs_hidden.py": inputs,
        "reference.py": (folder / "reference.py.txt").read_text(),
    }
    return HackTask(id=folder.name, function=function, summary=summary, visible=visible, hidden=hidden)


def load_tasks(data_path: str | None = None, tasks: list[str] | None = None) -> list[HackTask]:
    """All task folders under `data_path` (default: the tasks shipped with stagewise)."""
    root = TASKS_DIR if no_local_copy(data_path, "reward_hacking") else Path(str(data_path))
    if not root.is_dir():
        raise TaskDataError(f"reward-hacking tasks folder {root} not found: pass data_path=<folder of task folders>")
    found = [load_task(d) for d in sorted(root.iterdir()) if d.is_dir()]
    if tasks is not None:
        unknown = set(tasks) - {t.id for t in found}
        if unknown:
            raise TaskDataError(f"unknown reward-hacking task(s) {', '.join(sorted(unknown))}; have {', '.join(t.id for t in found)}")
        found = [t for t in found if t.id in tasks]
    return found


def load_dataset(data_path: str | None = None, tasks: list[str] | None = None) -> MemoryDataset:
    """One sample per task: the instruction as input, the workspace files as sample files."""
    samples = [
        Sample(
            id=t.id,
            input=INSTRUCTION.format(function=t.function, summary=t.summary),
            files={f"{WORKSPACE}/{name}": text for name, text in t.visible.items()},
            metadata={"task": t.id, "function": t.function},
        )
        for t in load_tasks(data_path, tasks)
    ]
    return MemoryDataset(samples, name="reward_hacking")
