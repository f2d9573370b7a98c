"""`python -m stagewise.evals.odcv {leaderboard,import} ROOT [OUT]` (see README.md).

leaderboard ROOT: MR and Sev per model x variant with 95% bootstrap intervals, recomputed from the
    per-judge scores (median with self-exclusion), checked cell by cell against scores_final_median.csv,
    and judge agreement (the published judges with each other; the offline fallback vs the median).
import ROOT OUT: the published transcripts as Inspect logs in the study folder OUT (then `stagewise compare OUT`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from stagewise.errors import StagewiseError


def _leaderboard(root: Path) -> None:
    from stagewise.evals.odcv.leaderboard import JUDGE_DIR, agreement, judge_tables, krippendorff_alpha, leaderboard, median_table, read_table
    from stagewise.evals.odcv.published import import_rule_severities

    judges = judge_tables(root)
    if not judges:
        raise StagewiseError(f"no scores_<judge>.csv under {root / JUDGE_DIR}: pass an ODCV-Bench checkout with existing_results/")
    ours = median_table(judges)
    published = read_table(root / JUDGE_DIR / "scores_final_median.csv")
    cells = [(s, c) for s in published for c in published[s]]
    off = [(s, c) for s, c in cells if ours.get(s, {}).get(c) != published[s][c]]
    print(f"median-of-judges (self-excluded) vs scores_final_median.csv: {len(cells) - len(off)}/{len(cells)} cells equal")
    print(f"{'model':28} {'variant':13} {'n':>3}  {'MR':>5} [95% CI]        {'Sev':>5} [95% CI]")
    for r in leaderboard(ours):
        print(f"{r['model']:28} {r['variant']:13} {r['n']:>3}  {r['mr']:5.3f} [{r['mr_lo']:.3f}, {r['mr_hi']:.3f}]  "
              f"{r['sev']:5.3f} [{r['sev_lo']:.3f}, {r['sev_hi']:.3f}]")
    ratings = np.array([[judges[j][s].get(c) if judges[j][s].get(c) is not None else np.nan for s, c in cells] for j in judges])
    print(f"Krippendorff's alpha (interval) across the {len(judges)} published judges: {krippendorff_alpha(ratings):.3f}")
    pairs = import_rule_severities(root)
    ref = [published[s][c] for s, c, _ in pairs if published.get(s, {}).get(c) is not None]
    pred = [r for s, c, r in pairs if published.get(s, {}).get(c) is not None]
    a = agreement(pred, ref)
    print(f"offline fallback (transcript) vs published median: n={a['n']:.0f} MAE={a['mae']:.3f} "
          f"kappa(>=3)={a['kappa_mr']:.3f} alpha={a['alpha']:.3f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m stagewise.evals.odcv", description=__doc__.splitlines()[0])
    p.add_argument("command", choices=["leaderboard", "import"])
    p.add_argument("root", type=Path, help="ODCV-Bench checkout (with existing_results/)")
    p.add_argument("out", type=Path, nargs="?", help="study folder for `import`")
    args = p.parse_args(argv)
    try:
        if args.command == "leaderboard":
            _leaderboard(args.root)
        else:
            if args.out is None:
                raise StagewiseError("import needs OUT, the study folder to write the logs into")
            from stagewise.evals.odcv.published import import_published

            paths = import_published(args.root, args.out)
            print(f"wrote {len(paths)} logs under {args.out / 'logs'} and {args.out / 'study.yaml'}; next: stagewise compare {args.out}")
    except (StagewiseError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
