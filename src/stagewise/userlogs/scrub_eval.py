"""Measure the scrubber against a labelled set: recall per kind, and precision.

A labelled span counts as recalled when every character of it is covered by detected
spans (of any kind: what matters for privacy is that it is gone). A detected span is a true
positive when it overlaps a labelled span; precision is true positives over all detections,
and per kind over the detections of that kind. Intervals are 95% Wilson score intervals.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from stagewise.errors import StagewiseError
from stagewise.userlogs.scrub import STRUCTURED_KINDS, NameMode, find_pii


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of k successes in n trials (nan, nan for n = 0)."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class KindScore:
    """Recall of one kind of personal data, and the precision of the detections of that kind."""

    kind: str
    labelled: int
    recalled: int
    detected: int = 0
    detected_true: int = 0

    @property
    def recall(self) -> float:
        return self.recalled / self.labelled if self.labelled else float("nan")

    @property
    def precision(self) -> float:
        return self.detected_true / self.detected if self.detected else float("nan")

    def line(self) -> str:
        """One printable row: recall and precision, each with its 95% interval."""
        rl, rh = wilson(self.recalled, self.labelled)
        pl, ph = wilson(self.detected_true, self.detected)
        return (f"{self.kind:<16} recall {self.recall:.3f} [{rl:.3f}, {rh:.3f}] ({self.recalled}/{self.labelled})   "
                f"precision {self.precision:.3f} [{pl:.3f}, {ph:.3f}] ({self.detected_true}/{self.detected})")


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
    def structured_interval(self) -> tuple[float, float]:
        ks = [k for k in self.kinds if k.kind in STRUCTURED_KINDS]
        return wilson(sum(k.recalled for k in ks), sum(k.labelled for k in ks))

    @property
    def precision(self) -> float:
        return self.true_positives / self.detections if self.detections else float("nan")


def packaged_testset() -> Path:
    """The labelled set shipped with stagewise (built by tests/userlogs/make_pii_testset.py)."""
    return Path(str(resources.files("stagewise.userlogs") / "pii_testset.jsonl"))


def evaluate_scrubber(path: Path | None = None, names: NameMode = "auto",
                      threshold: float | None = None) -> ScrubEval:
    """Run the scrubber on a JSONL of {"text", "spans": [[start, end, kind], ...]} and score it.

    Raises:
        ScrubEvalError: the file is missing, or a line is not such an object.
    """
    from stagewise.userlogs._recognisers import DEFAULT_THRESHOLD

    labelled: dict[str, int] = {}
    recalled: dict[str, int] = {}
    detected: dict[str, int] = {}
    detected_true: dict[str, int] = {}
    detections = tp = 0
    misses: list[tuple[str, str]] = []
    for text, gold in _rows(path or packaged_testset()):
        found = find_pii(text, names, DEFAULT_THRESHOLD if threshold is None else threshold)
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
        for s in found:
            hit = any(s.start < e and s.end > b for b, e, _ in gold)
            tp += hit
            detected[s.kind] = detected.get(s.kind, 0) + 1
            detected_true[s.kind] = detected_true.get(s.kind, 0) + hit
    kinds = tuple(KindScore(k, labelled.get(k, 0), recalled.get(k, 0), detected.get(k, 0), detected_true.get(k, 0))
                  for k in sorted(set(labelled) | set(detected)))
    return ScrubEval(kinds=kinds, detections=detections, true_positives=tp, misses=tuple(misses))


class ScrubEvalError(StagewiseError):
    """A labelled set cannot be read: missing file, or a line that is not {"text", "spans"}."""


def _rows(path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    if not path.is_file():
        raise ScrubEvalError(f"--eval {path}: no such file; pass a JSONL of "
                             '{"text": ..., "spans": [[start, end, kind], ...]} or "packaged"')
    rows = []
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, gold = row["text"], [(int(a), int(b), str(k)) for a, b, k in row["spans"]]
            if not isinstance(text, str) or any(not 0 <= a < b <= len(text) for a, b, _ in gold):
                raise ValueError("a span lies outside its text")
        except (ValueError, KeyError, TypeError) as e:
            raise ScrubEvalError(f"{path}:{i}: not a labelled row ({e}); each line must be "
                                 '{"text": ..., "spans": [[start, end, kind], ...]}') from None
        rows.append((text, gold))
    return rows
