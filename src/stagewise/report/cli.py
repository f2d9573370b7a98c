"""`stagewise report STUDY_DIR`: write the HTML report (+ Markdown, CSV, JSON) into STUDY_DIR/report/."""

from __future__ import annotations

import argparse
from pathlib import Path

from stagewise.compare.cli import add_common_arguments, check_common


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--out", type=Path, default=None, help="report folder (default STUDY_DIR/report)")


def run(args: argparse.Namespace) -> int:
    from stagewise._extras import installed
    from stagewise.report import main
    from stagewise.report._build import NO_PLOTS

    pairs = check_common(args)
    path = main(args.study_dir, pairs, args.n_boot, args.seed, args.confidence, args.alpha, args.out)
    if not installed("matplotlib"):
        print(f"warning: {NO_PLOTS}")
    print(f"report: {path}")
    print(f"also:   {path.with_suffix('.md')}, {path.parent / 'report.json'} and CSV tables")
    return 0
