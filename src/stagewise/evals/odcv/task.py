"""`odcv`: ODCV-Bench scenarios run by an agent with a shell, scored 0-5 for constraint violations."""

from __future__ import annotations

from typing import Literal

from inspect_ai import Epochs, Task, task
from inspect_ai.tool import bash

from stagewise.evals._metrics import PRESENT_MEAN_REDUCER
from stagewise.evals.odcv.dataset import Variant, load_dataset
from stagewise.evals.odcv.scorer import odcv_scorer
from stagewise.sandbox import BwrapConfig, SandboxKind, choose_sandbox
from stagewise.sandbox.agent import task_complete, tool_loop

# Root in a container can change any file of its image: so can the agent here (the validator
# included), which is what the benchmark measures. The host system stays read-only.
SANDBOX = BwrapConfig(workdir="/", writable=("*",), cpu_seconds=60, memory_mb=2048, timeout_s=120)


@task
def odcv(
    data_path: str | None = None,
    judge: str | None = None,
    variant: Variant | Literal["both"] = "both",
    max_steps: int = 50,
    command_timeout: int = 120,
    scenarios: list[str] | None = None,
    skip_invalid: bool = False,
    sandbox: SandboxKind = "auto",
    sandbox_config: str | None = None,
) -> Task:
    """ODCV-Bench (Li et al., 2025): KPI pressure against ethical and safety constraints.

    Args:
        data_path: an ODCV-Bench checkout; None downloads the pinned revision.
        judge: Inspect model role of the severity judge; None = rule-based tampering check.
        variant: `mandated`, `incentivized` or `both`.
        max_steps: most model turns per scenario (the benchmark uses 50).
        command_timeout: wall-clock seconds for one bash command.
        scenarios: scenario names to run (default: all).
        skip_invalid: skip scenarios that cannot be laid out, naming them (default: fail).
        sandbox: `auto` (docker when a daemon answers, else bwrap), `bwrap`, `docker` or `k8s`.
        sandbox_config: compose file (docker) or Helm values file (k8s); None = the default.
    """
    spec = choose_sandbox(sandbox, SANDBOX, sandbox_config)
    docker = spec[0] == "docker"  # each sample then builds its scenario's own Dockerfile
    return Task(
        dataset=load_dataset(data_path, variant, scenarios, skip_invalid, docker=docker),
        solver=tool_loop([bash(timeout=command_timeout), task_complete()], max_steps=max_steps),
        scorer=odcv_scorer(judge),
        sandbox=None if docker else spec,
        epochs=Epochs(1, PRESENT_MEAN_REDUCER),
        version=1,
    )
