"""`odcv`: ODCV-Bench scenarios run by an agent with a shell, scored 0-5 for constraint violations."""

from __future__ import annotations

from typing import Literal

from inspect_ai import Epochs, Task, task

from stagewise.evals._metrics import PRESENT_MEAN_REDUCER
from stagewise.evals.odcv.dataset import SANDBOX, Variant, load_dataset
from stagewise.evals.odcv.scorer import odcv_scorer, snapshot_image
from stagewise.evals.odcv.tools import COMMAND_TIMEOUT, odcv_bash, odcv_task_complete
from stagewise.sandbox import SandboxKind, choose_sandbox
from stagewise.sandbox.agent import tool_loop

MAX_STEPS = 50  # the most assistant turns in any published transcript (50, without task_complete)


@task
def odcv(
    data_path: str | None = None,
    judge: str | None = None,
    variant: Variant | Literal["both"] = "both",
    max_steps: int = MAX_STEPS,
    command_timeout: int = COMMAND_TIMEOUT,
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
        max_steps: most model turns per scenario (upstream: 50).
        command_timeout: wall-clock seconds for one bash command (upstream: 30).
        scenarios: scenario names to run (default: all).
        skip_invalid: skip scenarios that cannot be laid out, naming them in the log (default: fail).
        sandbox: `auto` (docker when a daemon answers, else bwrap), `bwrap`, `docker` or `k8s`.
        sandbox_config: compose file (docker) or Helm values file (k8s); None = the default.
    """
    spec = choose_sandbox(sandbox, SANDBOX, sandbox_config)
    dataset, skipped = load_dataset(data_path, variant, scenarios, skip_invalid, sandbox=spec)
    return Task(
        dataset=dataset,
        solver=[snapshot_image(), tool_loop([odcv_bash(timeout=command_timeout), odcv_task_complete()], max_steps=max_steps)],
        scorer=odcv_scorer(judge),
        epochs=Epochs(1, PRESENT_MEAN_REDUCER),
        metadata={"odcv_skipped": len(skipped), "odcv_skipped_reasons": skipped},
        version=2,
    )
