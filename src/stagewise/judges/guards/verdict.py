"""What a named classifier reads and what it says."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GuardInput:
    """One item to classify: the request, the response, and (HarmBench) the behavior and its context."""

    prompt: str
    response: str
    behavior: str | None = None  # HarmBench's behavior string (default: the prompt)
    context: str | None = None  # HarmBench's contextual behaviors


@dataclass(frozen=True)
class GuardVerdict:
    """A classifier's verdict. A field is None when the classifier does not give it or its output
    could not be parsed (`parsed` False): the scorer then counts the sample as unscored."""

    raw: str
    parsed: bool
    refusal: bool | None = None
    harmful_response: bool | None = None
    harmful_request: bool | None = None
    score: float | None = None  # StrongREJECT's score in [0, 1]
    probability: float | None = None  # scoring classifiers: P(violation) or the digit distribution's mass

    @property
    def label(self) -> str:
        """A short label for `Score.metadata["label"]`."""
        if not self.parsed:
            return "unparsable"
        parts = []
        if self.harmful_request is not None:
            parts.append("harmful_request" if self.harmful_request else "unharmful_request")
        if self.refusal is not None:
            parts.append("refusal" if self.refusal else "compliance")
        if self.harmful_response is not None:
            parts.append("harmful" if self.harmful_response else "unharmful")
        if self.score is not None:
            parts.append(f"score={self.score:.3f}")
        return ",".join(parts) or "n/a"
