"""A plain-text rendering of an agent transcript, for judges."""

from __future__ import annotations

import json

from inspect_ai.model import ChatMessage

MAX_CHARS_PER_MESSAGE = 4000


def render_transcript(messages: list[ChatMessage], max_chars: int = MAX_CHARS_PER_MESSAGE) -> str:
    """Every message as `[ROLE] text`, tool calls as `[TOOL CALL] name(args)`, long parts trimmed."""
    out: list[str] = []
    for m in messages:
        text = m.text
        if len(text) > max_chars:
            text = text[: max_chars // 2] + "\n[... trimmed ...]\n" + text[-max_chars // 2 :]
        if text.strip():
            out.append(f"[{m.role.upper()}] {text}")
        for call in getattr(m, "tool_calls", None) or []:
            args = json.dumps(call.arguments)
            if len(args) > max_chars:
                args = args[:max_chars] + "...(trimmed)"
            out.append(f"[TOOL CALL] {call.function}({args})")
    return "\n\n".join(out)
