"""Offline refusal judges: run the kinds registered in `stagewise.judges.spec.OFFLINE_KINDS`.

A scorer parses its `judge` argument with `parse_judge`; an `OfflineJudge` is labelled here,
with no model (`refusal-model`, what `judge=None` means; `string-match`; `classifier`; see docs/judges.md).
"""

from __future__ import annotations

import importlib
from typing import Callable

from stagewise.judges.refusal import RefusalLabel
from stagewise.judges.spec import DEFAULT_OFFLINE, OFFLINE_KINDS, JudgeSpecError, OfflineJudge, parse_judge

OFFLINE_JUDGES = tuple(OFFLINE_KINDS)
DEFAULT_OFFLINE_JUDGE = DEFAULT_OFFLINE  # what `judge: None` means for the refusal benchmarks


def offline_judge(judge: str | None) -> str | None:
    """The offline kind if `judge` names one (None means the default, `refusal-model`), else None."""
    spec = parse_judge(judge)
    return spec.kind if isinstance(spec, OfflineJudge) else None


def labeller(name: str) -> Callable[[str, str | None], RefusalLabel]:
    """The function `(response, prompt) -> label` of the offline kind `name`."""
    if name not in OFFLINE_KINDS:
        raise JudgeSpecError(f"unknown offline judge {name!r}; valid: {', '.join(OFFLINE_KINDS)}")
    module, _, fn = OFFLINE_KINDS[name].label.partition(":")
    return getattr(importlib.import_module(module), fn)  # type: ignore[no-any-return]


def offline_refusal(name: str, response: str, prompt: str | None = None) -> RefusalLabel:
    """Label a response with the named offline judge."""
    return labeller(name)(response, prompt)
