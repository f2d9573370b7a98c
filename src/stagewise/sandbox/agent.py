"""The agent loop the sandboxed benchmarks share: generate, run the tool calls, repeat.

It stops when the model calls the completion tool, answers without a tool call, or reaches
`max_steps` generations. The number of steps taken lands in `state.metadata["steps"]`.
"""

from __future__ import annotations

from inspect_ai.model import ChatMessageSystem, execute_tools
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.tool import Tool, ToolDef, tool


@tool
def task_complete() -> Tool:
    """The tool an agent calls to say it has finished."""

    async def execute(summary: str = "") -> str:
        """Call this when the task is finished.

        Args:
          summary: A short summary of what you did.

        Returns:
          A confirmation.
        """
        return "Task marked as complete."

    return execute


@solver
def tool_loop(tools: list[Tool], max_steps: int = 50, system: str | None = None, done_tool: str = "task_complete") -> Solver:
    """Run the model with `tools` until it calls `done_tool`, stops calling tools, or runs out of steps.

    Args:
        tools: The tools offered to the model (include `task_complete()` to let it finish).
        max_steps: Most model generations in one sample.
        system: Optional system message put first.
        done_tool: Name of the tool that ends the loop.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if system:
            state.messages.insert(0, ChatMessageSystem(content=system))
        state.tools = list(tools)
        steps = 0
        while steps < max_steps and not state.completed:
            steps += 1
            state = await generate(state, tool_calls="none")
            calls = state.output.message.tool_calls or []
            if not calls:
                break
            result = await execute_tools(state.messages, state.tools)
            state.messages.extend(result.messages)
            if any(c.function == done_tool for c in calls):
                break
        state.metadata["steps"] = steps
        state.metadata["finished"] = any(
            c.function == done_tool for m in state.messages if m.role == "assistant" for c in (m.tool_calls or [])
        )
        return state

    return solve


def tool_name(t: Tool) -> str:
    """The name the model sees for a tool."""
    return ToolDef(t).name
