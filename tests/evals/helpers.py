"""Helpers for scorer tests: hand-built TaskStates and offline mock model replies."""

from __future__ import annotations

from typing import Any

from inspect_ai.model import ChatMessageAssistant, ChatMessageUser, ModelOutput, ModelUsage
from inspect_ai.solver import TaskState


def make_state(prompt: str, response: str, metadata: dict[str, Any] | None = None, sample_id: Any = 1) -> TaskState:
    """A TaskState as if the evaluated model had answered `prompt` with `response`."""
    return TaskState(
        model="mockllm/model",  # type: ignore[arg-type]
        sample_id=sample_id,
        epoch=1,
        input=prompt,
        messages=[ChatMessageUser(content=prompt), ChatMessageAssistant(content=response)],
        output=ModelOutput.from_content(model="mockllm/model", content=response),
        metadata=metadata or {},
    )


def mock_output(text: str) -> ModelOutput:
    """A mockllm reply with usage filled in (else mockllm counts tokens with tiktoken, which
    downloads its vocabulary: not possible offline)."""
    out = ModelOutput.from_content(model="mockllm/model", content=text)
    out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    return out
