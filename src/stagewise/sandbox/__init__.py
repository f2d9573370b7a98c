"""Isolation for model-written commands: a bubblewrap Inspect sandbox, Docker when a daemon runs.

`choose_sandbox(...)` picks the sandbox a task uses: Inspect's `docker` sandbox when a Docker
daemon answers (and a compose file or Dockerfile is given), else `bwrap` (see docs/sandbox.md).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from typing import Literal

from stagewise.sandbox._bwrap import BwrapConfig, SandboxError, check_bwrap, is_host_system

__all__ = ["BwrapConfig", "SandboxError", "SandboxKind", "check_bwrap", "choose_sandbox", "docker_available",
           "is_host_system"]

SandboxKind = Literal["auto", "bwrap", "docker", "k8s"]


@functools.cache
def docker_available() -> bool:
    """True when the `docker` CLI is installed and its daemon answers."""
    if shutil.which("docker") is None:
        return False
    res = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], check=False, capture_output=True, timeout=20)
    return res.returncode == 0


def choose_sandbox(kind: SandboxKind, bwrap: BwrapConfig, docker_config: str | None) -> tuple[str, object]:
    """The Inspect sandbox spec for `kind`: `auto` = docker when usable, else bwrap.

    Args:
        kind: `auto`, `bwrap`, `docker` or `k8s` (needs the `inspect-k8s-sandbox` package).
        bwrap: Configuration used when the sandbox is bubblewrap.
        docker_config: Compose file or Dockerfile for the docker sandbox, or the Helm values
            file for k8s (None = the provider's default image).
    """
    if kind == "k8s":
        return ("k8s", docker_config)
    if kind == "docker" or (kind == "auto" and docker_available()):
        return ("docker", docker_config) if docker_config else ("docker", None)
    # Registers the sandbox with Inspect (also done by the stagewise entry point).
    from stagewise.sandbox import environment  # noqa: F401

    return ("bwrap", bwrap)
