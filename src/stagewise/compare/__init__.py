"""Compare rungs statistically: estimates with intervals, paired differences, TOST equivalence
with Holm correction, the production noise ceiling, stage attribution and item agreement.

`compare(samples, margins=...)` works on the per-sample table of `stagewise.evaluate.results.collect`
(docs/architecture.md, Contract 2) and returns a frozen `Comparison`; `main(study_dir)` is the
stage entry point behind `stagewise compare STUDY_DIR`.

Names are imported on first use (PEP 562), so `stagewise compare --help` does not load scipy or pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stagewise._lazy import lazy_members

if TYPE_CHECKING:
    from stagewise.compare._analysis import compare
    from stagewise.compare._study import compare_study, main
    from stagewise.compare._summary import summary
    from stagewise.compare._stats import cohen_kappa, holm, items_needed, mcnemar_exact, wilson_interval
    from stagewise.compare._errors import CompareError
    from stagewise.compare._types import (
        Agreement,
        Attribution,
        Comparison,
        Difference,
        Estimate,
        MetricInfo,
        NoiseCeiling,
        RungInfo,
        Settings,
    )

_WHERE = {
    "compare": "_analysis", "compare_study": "_study", "main": "_study", "summary": "_summary",
    **dict.fromkeys(("cohen_kappa", "holm", "items_needed", "mcnemar_exact", "wilson_interval"), "_stats"),
    "CompareError": "_errors",
    **dict.fromkeys(("Agreement", "Attribution", "Comparison", "Difference", "Estimate", "MetricInfo", "NoiseCeiling",
                     "RungInfo", "Settings"), "_types"),
}  # fmt: skip


__getattr__ = lazy_members(__name__, _WHERE)


__all__ = [
    "Agreement",
    "Attribution",
    "CompareError",
    "Comparison",
    "Difference",
    "Estimate",
    "MetricInfo",
    "NoiseCeiling",
    "RungInfo",
    "Settings",
    "cohen_kappa",
    "compare",
    "compare_study",
    "holm",
    "items_needed",
    "main",
    "mcnemar_exact",
    "summary",
    "wilson_interval",
]
