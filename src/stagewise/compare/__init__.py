"""Compare rungs statistically: estimates with intervals, paired differences, TOST equivalence
with Holm correction, the production noise ceiling, stage attribution and item agreement.

`compare(samples, margins=...)` works on the per-sample table of `stagewise.evaluate.results.collect`
(docs/architecture.md, Contract 2) and returns a frozen `Comparison`; `main(study_dir)` is the
stage entry point behind `stagewise compare STUDY_DIR`. Also public, for the report: the comparison's
files (`save`, `tables`, `to_dict`, `from_dict`, `load_comparison`, `is_fresh`, `study_logs`,
`load_samples`) and its number formatting (`fmt_*`, `verdict_text`, `summary`).

Names are imported on first use (PEP 562), so `stagewise compare --help` does not load scipy or pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stagewise._lazy import lazy_members

if TYPE_CHECKING:
    from stagewise.compare._analysis import compare
    from stagewise.compare._study import compare_study, main
    from stagewise.compare._io import load_samples, save, tables, to_dict
    from stagewise.compare._load import from_dict, is_fresh, load_comparison, study_logs
    from stagewise.compare._summary import fmt_interval, fmt_items, fmt_margin, fmt_value, summary, verdict_text
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
    "compare": "_analysis", "compare_study": "_study", "main": "_study",
    **dict.fromkeys(("fmt_interval", "fmt_items", "fmt_margin", "fmt_value", "summary", "verdict_text"), "_summary"),
    **dict.fromkeys(("load_samples", "save", "tables", "to_dict"), "_io"),
    **dict.fromkeys(("from_dict", "is_fresh", "load_comparison", "study_logs"), "_load"),
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
    "fmt_interval",
    "fmt_items",
    "fmt_margin",
    "fmt_value",
    "from_dict",
    "holm",
    "is_fresh",
    "items_needed",
    "load_comparison",
    "load_samples",
    "main",
    "mcnemar_exact",
    "save",
    "study_logs",
    "summary",
    "tables",
    "to_dict",
    "verdict_text",
    "wilson_interval",
]
