"""The report: one self-contained HTML page (inline SVG plots, offline), plus Markdown, CSV and JSON
of every number in it. `main(study_dir)` is the stage entry point behind `stagewise report STUDY_DIR`;
`build_report(comparison, out_dir)` builds it from any Comparison."""

from stagewise.report._build import build_report, main, render
from stagewise.report._data import ReportError, disagreeing_items, load_judges
from stagewise.report._texts import read_texts

__all__ = ["ReportError", "build_report", "disagreeing_items", "load_judges", "main", "read_texts", "render"]
