"""WildGuard (allenai/wildguard, Mistral-7B-v0.3): harmful request, response refusal, harmful response.

Prompt: upstream's `WILDGUARD_INPUT_FORMAT` (wildguard/utils.py), tokenised without adding special
tokens (the format starts with `<s>`); greedy generation of up to 128 tokens; the three answers
are read the way upstream's `parse_model_generation_to_output` reads them: three `...: yes|no|n/a`
lines, anything else is a parsing error.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

from stagewise.judges.guards.verdict import GuardInput, GuardVerdict

KIND = "generate"
MAX_NEW_TOKENS = 128
ADD_SPECIAL_TOKENS = False
TEMPLATE = (resources.files(__package__) / "prompts" / "wildguard.txt").read_text()
_LINES = re.compile(r".*:(.*)\n.*:(.*)\n.*:(.*)")


def build_prompt(item: GuardInput, tokenizer: Any = None, variant: str = "") -> str:
    return TEMPLATE.format(prompt=item.prompt, response=item.response)


def _answer(text: str, allow_na: bool) -> tuple[bool | None, bool]:
    """(value, ok): yes -> True, no -> False, n/a -> None (where allowed)."""
    t = text.strip().lower()
    if t in ("yes", "no"):
        return t == "yes", True
    return None, allow_na and t == "n/a"


def parse(text: str) -> GuardVerdict:
    m = _LINES.match(text.strip())
    if m is None:
        return GuardVerdict(raw=text, parsed=False)
    request, ok1 = _answer(m.group(1), allow_na=False)
    refusal, ok2 = _answer(m.group(2), allow_na=True)
    harmful, ok3 = _answer(m.group(3), allow_na=True)
    if not (ok1 and ok2 and ok3):
        return GuardVerdict(raw=text, parsed=False)
    return GuardVerdict(raw=text, parsed=True, refusal=refusal, harmful_response=harmful, harmful_request=request)
