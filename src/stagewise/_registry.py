"""Inspect entry point (`[project.entry-points.inspect_ai]`): registers stagewise's model
provider, tasks and sandbox so `inspect eval`, `inspect view` and `--model stagewise/...` know them.
Imports stay light: the provider class is imported only when a model is created."""

# ruff: noqa: F401
from inspect_ai.model import modelapi

from stagewise.evals.dilemmas.task import dilemmas
from stagewise.evals.harmbench.task import harmbench
from stagewise.evals.odcv.task import odcv
from stagewise.evals.petri_audit.task import petri_audit
from stagewise.evals.reward_hacking.task import reward_hacking
from stagewise.evals.strongreject.task import strongreject
from stagewise.evals.user_logs.task import user_logs
from stagewise.evals.xstest.task import xstest
from stagewise.sandbox.environment import BwrapSandboxEnvironment  # sandbox=("bwrap", ...)


@modelapi(name="stagewise")
def stagewise_local() -> type:
    """Local HF checkpoints with fast batched generation and a content-keyed cache."""
    from stagewise.providers.local import LocalHFAPI

    return LocalHFAPI
