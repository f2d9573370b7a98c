"""The stage entry point: compare the rungs of a study directory and save the results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from stagewise.compare._analysis import compare
from stagewise.compare._io import load_margins, load_samples, save
from stagewise.compare._types import Comparison


def compare_study(
    study_dir: str | Path,
    pairs: Sequence[tuple[str, str]] = (),
    n_boot: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> Comparison:
    """Compare every rung of the study run in `study_dir` (its samples table and study.yaml margins)."""
    study_dir = Path(study_dir)
    samples = load_samples(study_dir)
    margins = load_margins(study_dir)
    return compare(samples, margins=margins, pairs=pairs, n_boot=n_boot, seed=seed, confidence=confidence, alpha=alpha)


def main(
    study_dir: str | Path,
    pairs: Sequence[tuple[str, str]] = (),
    n_boot: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> Path:
    """Compare a study and write `STUDY_DIR/results/compare.json` (+ `compare_*.csv`); returns the JSON path."""
    c = compare_study(study_dir, pairs, n_boot, seed, confidence, alpha)
    return save(c, Path(study_dir) / "results")[0]
