"""Offline refusal judges, usable wherever a scorer takes a `judge` role name.

A scorer's `judge` argument is an Inspect model role, except for these reserved names, which
need no model: `string-match` (keyword matching), `classifier` (MiniLM embeddings + logistic
regression) and `refusal-model` (structural features + MiniLM opening embedding; 3 classes).
`judge=None` means `DEFAULT_OFFLINE_JUDGE`. See docs/judges.md.
"""

from __future__ import annotations

from stagewise.judges.refusal import RefusalLabel, string_match_refusal

OFFLINE_JUDGES = ("string-match", "classifier", "refusal-model")
# What `judge: None` means for the refusal benchmarks (xstest, strongreject, harmbench, user_logs).
DEFAULT_OFFLINE_JUDGE = "refusal-model"


def offline_judge(judge: str | None) -> str | None:
    """The offline judge's name if `judge` names one (None means `DEFAULT_OFFLINE_JUDGE`), else None."""
    if judge is None:
        return DEFAULT_OFFLINE_JUDGE
    return judge if judge in OFFLINE_JUDGES else None


def offline_refusal(name: str, response: str, prompt: str | None = None) -> RefusalLabel:
    """Label a response with the named offline judge."""
    if name == "classifier":
        from stagewise.judges.classifier import classifier_label

        return classifier_label(response, prompt)
    if name == "refusal-model":
        from stagewise.judges.refusal_model import refusal_model_label

        return refusal_model_label(response, prompt)
    return string_match_refusal(response)
