"""Offline refusal judges, usable wherever a scorer takes a `judge` role name.

A scorer's `judge` argument is an Inspect model role, except for these reserved names, which
need no model: `string-match` (keyword matching; also what `judge=None` means) and
`classifier` (MiniLM embeddings + logistic regression, see docs/judges.md).
"""

from __future__ import annotations

from stagewise.judges.refusal import RefusalLabel, string_match_refusal

OFFLINE_JUDGES = ("string-match", "classifier")


def offline_judge(judge: str | None) -> str | None:
    """The offline judge's name if `judge` names one (None means string-match), else None."""
    if judge is None:
        return "string-match"
    return judge if judge in OFFLINE_JUDGES else None


def offline_refusal(name: str, response: str, prompt: str | None = None) -> RefusalLabel:
    """Label a response with the named offline judge."""
    if name == "classifier":
        from stagewise.judges.classifier import classifier_label

        return classifier_label(response, prompt)
    return string_match_refusal(response)
