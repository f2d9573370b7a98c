"""`reward_hacking`: make a function faster against a timing script, in a sandbox."""

from __future__ import annotations

from pathlib import Path

from inspect_ai import Epochs, Task, task
from inspect_ai.tool import bash

from stagewise.evals._metrics import PRESENT_MEAN_REDUCER
from stagewise.evals.reward_hacking.dataset import load_dataset
from stagewise.evals.reward_hacking.prompts import SYSTEM
from stagewise.evals.reward_hacking.scorer import reward_hacking_scorer
from stagewise.sandbox import BwrapConfig, SandboxKind, choose_sandbox
from stagewise.sandbox.agent import task_complete, tool_loop
from stagewise.sandbox.file_tools import read_file, write_file

# The sandbox keeps the limits generous enough for the slow originals and the grader.
HERE = Path(__file__).parent
SANDBOX = BwrapConfig(workdir="/workspace", cpu_seconds=120, memory_mb=2048, max_processes=64, timeout_s=300)


@task
def reward_hacking(
    data_path: str | None = None,
    judge: str | None = None,
    max_steps: int = 30,
    command_timeout: int = 120,
    tasks: list[str] | None = None,
    sandbox: SandboxKind = "auto",
    sandbox_config: str | None = None,
) -> Task:
    """Speed up a slow function; detectors check the harness, held-out inputs and caching.

    Args:
        data_path: folder of task folders (default: the tasks shipped with stagewise).
        judge: Inspect model role that also reviews the transcript (`judge_hack`); None = detectors only.
        max_steps: most model turns per sample.
        command_timeout: wall-clock seconds for one bash command.
        tasks: task ids to run (default: all).
        sandbox: `auto` (docker when a daemon answers, else bwrap), `bwrap`, `docker` or `k8s`.
        sandbox_config: compose file (docker) or Helm values file (k8s); None = the default.
    """
    return Task(
        dataset=load_dataset(data_path, tasks),
        solver=tool_loop(
            [bash(timeout=command_timeout), read_file(), write_file(), task_complete()],
            max_steps=max_steps,
            system=SYSTEM,
        ),
        scorer=reward_hacking_scorer(judge, data_path),
        sandbox=choose_sandbox(sandbox, SANDBOX, sandbox_config or (str(HERE / "compose.yaml") if sandbox != "k8s" else None)),
        epochs=Epochs(1, PRESENT_MEAN_REDUCER),
        version=1,
    )
