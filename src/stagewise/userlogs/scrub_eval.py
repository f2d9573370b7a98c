"""Measure the scrubber against a labelled set: recall per kind, and precision.

A labelled span counts as recalled when every character of it is covered by detected
spans (of any kind: what matters for privacy is that it is gone). A detected span is a true
positive when it overlaps a labelled span; precision is true positives over all detections.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from stagewise.userlogs.scrub import STRUCTURED_KINDS, NameMode, find_pii


@dataclass(frozen=True)
class KindScore:
    """Recall of one kind of personal data."""

    kind: str
    labelled: int
    recalled: int

    @property
    def recall(self) -> float:
        return self.recalled / self.labelled if self.labelled else float("nan")


@dataclass(frozen=True)
class ScrubEval:
    """Recall per kind, recall over the structured kinds, and precision of all detections."""

    kinds: tuple[KindScore, ...]
    detections: int
    true_positives: int
    misses: tuple[tuple[str, str], ...]  # (kind, missed text), for inspection

    @property
    def structured_recall(self) -> float:
        ks = [k for k in self.kinds if k.kind in STRUCTURED_KINDS]
        return sum(k.recalled for k in ks) / max(1, sum(k.labelled for k in ks))

    @property
    def precision(self) -> float:
        return self.true_positives / self.detections if self.detections else float("nan")


def packaged_testset() -> Path:
    """The labelled set shipped with stagewise (built by tests/userlogs/make_pii_testset.py)."""
    return Path(str(resources.files("stagewise.userlogs") / "pii_testset.jsonl"))


def evaluate_scrubber(path: Path | None = None, names: NameMode = "auto") -> ScrubEval:
    """Run the scrubber on a JSONL of {"text", "spans": [[start, end, kind], ...]} and score it."""
    labelled: dict[str, int] = {}
    recalled: dict[str, int] = {}
    detections = tp = 0
    misses: list[tuple[str, str]] = []
    for line in (path or packaged_testset()).read_text().splitlines():
        row = json.loads(line)
        text, gold = row["text"], row["spans"]
        found = find_pii(text, names)
        covered: set[int] = set()
        for s in found:
            covered.update(range(s.start, s.end))
        for start, end, kind in gold:
            labelled[kind] = labelled.get(kind, 0) + 1
            if all(i in covered for i in range(start, end)):
                recalled[kind] = recalled.get(kind, 0) + 1
            else:
                misses.append((kind, text[start:end]))
        detections += len(found)
        tp += sum(any(s.start < e and s.end > b for b, e, _ in gold) for s in found)
    kinds = tuple(KindScore(k, labelled[k], recalled.get(k, 0)) for k in sorted(labelled))
    return ScrubEval(kinds=kinds, detections=detections, true_positives=tp, misses=tuple(misses))
