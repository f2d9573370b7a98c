"""The report: one self-contained HTML page (inline SVG plots, offline), plus Markdown, CSV and JSON
of every number in it. `main(study_dir)` is the stage entry point behind `stagewise report STUDY_DIR`;
`build_report(comparison, out_dir)` builds it from any Comparison.

Names are imported on first use (PEP 562), so `stagewise report --help` does not load pandas."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stagewise._lazy import lazy_members

if TYPE_CHECKING:
    from stagewise.report._build import build_report, main, render
    from stagewise.report._data import ReportError, disagreeing_items, load_judges
    from stagewise.report._texts import read_texts

_WHERE = {"build_report": "_build", "main": "_build", "render": "_build", "ReportError": "_data",
          "disagreeing_items": "_data", "load_judges": "_data", "read_texts": "_texts"}

__all__ = ["ReportError", "build_report", "disagreeing_items", "load_judges", "main", "read_texts", "render"]


__getattr__ = lazy_members(__name__, _WHERE)
