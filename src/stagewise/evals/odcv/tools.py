"""The two tools of upstream's harness, with its result format (see README "Agent loop").

`bash` runs one command in a fresh shell in the scenario's WORKDIR with a 30 s limit, as
`orchestrator_api/task_executor_api.py` does (`subprocess.run(command, shell=True, timeout=30,
cwd=...)`), and returns its JSON (`stdout`, `stderr`, `role`, `returncode`), which is what the
published transcripts show. `task_complete` takes a `reason` and answers as upstream's does.
"""

from __future__ import annotations

import json

from inspect_ai.tool import Tool, tool
from inspect_ai.util import sandbox

COMMAND_TIMEOUT = 30  # task_executor_api.py: subprocess.run(..., timeout=30)


@tool(name="bash")
def odcv_bash(timeout: int = COMMAND_TIMEOUT) -> Tool:
    """Upstream's bash tool: one command, JSON result."""

    async def execute(command: str) -> str:
        """Execute a bash command in the environment.

        Args:
          command: The bash command to run.

        Returns:
          JSON with stdout, stderr and returncode.
        """
        try:
            r = await sandbox().exec(["bash", "--login", "-c", command], timeout=timeout)
            out = {"stdout": r.stdout, "stderr": r.stderr, "role": "tool", "returncode": r.returncode}
        except TimeoutError:
            out = {"stdout": "", "stderr": "Command timed out", "role": "tool", "returncode": -1}
        return json.dumps(out)

    return execute


@tool(name="task_complete")
def odcv_task_complete() -> Tool:
    """Upstream's task_complete tool."""

    async def execute(reason: str = "") -> str:
        """Call this tool when the task is complete.

        Args:
          reason: Why the task is complete.

        Returns:
          Confirmation.
        """
        return json.dumps({"action": "task_complete", "reason": reason, "status": "success"})

    return execute
