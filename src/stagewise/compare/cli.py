"""`stagewise compare STUDY_DIR`: print the comparison and write results/compare.json + CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stagewise.compare._errors import CompareError
from stagewise.compare._types import Comparison


def parse_pair(text: str) -> tuple[str, str]:
    """`a:b` -> (a, b); rung or stage names."""
    a, sep, b = text.partition(":")
    if not sep or not a or not b:
        raise CompareError(f"--pair {text!r} must look like A:B with rung or stage names, e.g. --pair sft:production")
    return a, b


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by `compare` and `report`."""
    parser.add_argument("study_dir", type=Path, help="the study's output_dir (holds study.yaml, logs/, results/)")
    parser.add_argument("--pair", action="append", default=[], metavar="A:B",
                        help="also compare rung A with rung B (rung or stage names; repeatable; the first is the "
                        "headline pair, default sft:production)")  # fmt: skip
    parser.add_argument("--n-boot", type=int, default=2000, help="bootstrap resamples (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument("--alpha", type=float, default=0.05, help="test level; TOST uses the 1-2*alpha interval")
    parser.add_argument("--confidence", type=float, default=0.95, help="level of the reported intervals")


def check_common(args: argparse.Namespace) -> list[tuple[str, str]]:
    """Validate the shared options; returns the parsed pairs."""
    if args.n_boot < 100:
        raise CompareError(f"--n-boot {args.n_boot} is too few for stable intervals; use at least 100 (default 2000)")
    if not 0 < args.alpha < 0.5 or not 0 < args.confidence < 1:
        raise CompareError("--alpha must be in (0, 0.5) and --confidence in (0, 1)")
    return [parse_pair(p) for p in args.pair]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from stagewise.compare._io import save
    from stagewise.compare._study import compare_study

    pairs = check_common(args)
    c = compare_study(args.study_dir, pairs, args.n_boot, args.seed, args.confidence, args.alpha)
    paths = save(c, args.study_dir / "results")
    print_comparison(c)
    for line in pairing_notes(c):
        print(line)
    print(f"wrote {paths[0]} and {len(paths) - 1} CSV tables beside it")
    return 0


def pairing_notes(c: Comparison) -> list[str]:
    """Say when nothing was paired, and how many items each paired difference left out."""
    if not c.pairs:
        names = ", ".join(r.name for r in c.rungs)
        return [f"note: nothing was paired: the study has one rung ({names}); these are per-rung estimates only. "
                "Add rungs to the ladder (or --pair A:B) to compare"]
    n = {(e.metric, e.rung): e.n_items for e in c.estimates}
    notes = []
    for d in c.differences:
        left = max(n.get((d.metric, d.a), 0), n.get((d.metric, d.b), 0)) - d.n_items
        if left > 0:
            notes.append(f"note: {d.a} vs {d.b} on {d.metric}: paired on the {d.n_items} items both rungs finished; "
                         f"{left} left out (finish the partial rung with `stagewise run` to use them)")
    return notes


def print_comparison(c: Comparison) -> None:
    """Rich tables: estimates per rung, then the headline pair's verdicts, then the summary."""
    from rich.console import Console
    from rich.table import Table

    from stagewise.compare._summary import fmt_interval, fmt_margin, fmt_value, needed_text, summary

    # Piped output (logs, CI) gets a readable width instead of rich's 80-column default.
    console = Console() if sys.stdout.isatty() else Console(width=120)
    infos = {m.id: m for m in c.metrics}
    est = Table(title="Per-rung estimates (rates in %) with 95% intervals", title_justify="left")
    est.add_column("metric", overflow="fold", min_width=20)
    for r in c.rungs:
        est.add_column(f"{r.name}\n[dim]{r.stage}[/dim]", justify="right")
    by = {(e.metric, e.rung): e for e in c.estimates}
    for m in c.metrics:
        cells = []
        for r in c.rungs:
            e = by.get((m.id, r.name))
            cells.append("–" if e is None else f"{fmt_value(e.value, m.kind)}\n[dim]{fmt_interval(e.low, e.high, m.kind)}[/dim]")
        est.add_row(m.id, *cells)
    console.print(est)
    if c.main_pair is None:
        return
    a, b = c.main_pair
    t = Table(title=f"{a} − {b}: paired gap, TOST against the margin, Holm across metrics", title_justify="left")
    t.add_column("metric", overflow="fold", min_width=20)
    t.add_column("gap\n[dim]95% CI[/dim]", justify="right", no_wrap=True)
    t.add_column("margin", justify="right", no_wrap=True)
    t.add_column("p TOST", justify="right", no_wrap=True)
    t.add_column("noise", justify="right", no_wrap=True)
    t.add_column(f"{c.sft or a}\nshare", justify="right", no_wrap=True)
    t.add_column("verdict", no_wrap=True)
    noise = {n.metric: n for n in c.noise}
    share = {x.metric: x for x in c.attribution if x.rung == (c.sft or a)}
    colors = {"equivalent": "green", "different": "red", "inconclusive": "yellow"}
    for d in (d for d in c.differences if (d.a, d.b) == (a, b)):
        m = infos[d.metric]
        nc, sh = noise.get(d.metric), share.get(d.metric)
        verdict = d.verdict if d.verdict != "inconclusive" else f"inconclusive\n[dim]{needed_text(d.items_needed)}[/dim]"
        t.add_row(
            d.metric,
            f"{fmt_value(d.diff, m.kind, True)}\n[dim]{fmt_interval(d.low, d.high, m.kind, True)}[/dim]",
            fmt_margin(m).replace(" points", ""),
            f"{d.p_tost_holm:.2g}",
            "–" if nc is None else f"±{fmt_value(nc.band, m.kind)}",
            "–" if sh is None else (f"{100 * sh.share:.0f}%" if sh.defined else "[dim]undef.[/dim]"),
            f"[{colors[d.verdict]}]{verdict}[/]",
        )
    console.print(t)
    console.print(summary(c))
