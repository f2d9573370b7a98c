"""`stagewise demo`: the whole story, offline, on 2 CPU cores.

1. build the ladder: the packaged Gemma 3 270M *base* -> SFT (LoRA) on the bundled mixture ->
   DPO on the bundled preference pairs (`stagewise.train.demo`);
2. run the safety battery (XSTest, HarmBench, StrongREJECT subsets shipped in the package,
   string-match judge) on every rung, plus SmolLM2-135M-Instruct as an outside reference;
3. print the results table, the comparison, and where the logs and the report are.

Every step resumes: rerun after a kill and finished rungs, logs and generations are reused.
"""

from __future__ import annotations

import argparse
import time
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from stagewise.evaluate.study import Study, study_from_dict


def demo_study(out: Path, ladder: dict[str, Path] | None = None, limit: int | None = None) -> Study:
    """The embedded default study; with `ladder`, the trained SFT and DPO rungs join it."""
    folder = resources.files("stagewise") / "demo_data"
    data: dict[str, Any] = yaml.safe_load((folder / "study.yaml").read_text())
    data["output_dir"] = str(out)
    data["data_dir"] = str(folder)
    if ladder:
        base, reference = data["ladder"]
        reference["stage"] = "other"
        data["ladder"] = [
            base,
            {"name": "gemma-sft", "stage": "sft", "source": f"hf:{ladder['sft']}"},
            # DPO is the last stage of this ladder: it plays "production" (SmolLM2 is an outside reference).
            {"name": "gemma-dpo", "stage": "production", "source": f"hf:{ladder['dpo']}"},
            reference,
        ]
    if limit:
        data["limit"] = limit
    return study_from_dict(data, origin="demo study")


def main(out: str | Path = "runs/demo", *, train: bool = True, limit: int | None = None,
         display: str | None = None) -> Path:
    """Run the demo into `out`; return the study output dir."""
    from stagewise.evaluate.results import main as results_main
    from stagewise.evaluate.runner import run_study

    out = Path(out).resolve()
    t0 = time.monotonic()
    ladder = None
    if train:
        from stagewise.train.demo import build_demo_ladder

        print("[1/3] building the ladder: Gemma 3 270M base -> SFT -> DPO (reused when already built)")
        ladder = build_demo_ladder(out / "checkpoints")
    study = demo_study(out, ladder, limit)
    print(f"[2/3] safety battery on {len(study.ladder)} rungs: {', '.join(r.name for r in study.ladder)}")
    run_study(study, display=display)
    results_main(out)
    print(f"[3/3] comparison and report ({time.monotonic() - t0:.0f} s so far)")
    _compare_and_report(out)
    print(f"demo finished in {time.monotonic() - t0:.0f} s")
    return out


def _compare_and_report(out: Path) -> None:
    import pandas as pd

    from stagewise.compare import compare_study
    from stagewise.compare.cli import print_comparison
    from stagewise.report import main as report_main
    from stagewise.evaluate.results import print_table

    print_table(pd.read_csv(out / "results" / "summary.csv"))
    comparison = compare_study(out)
    print_comparison(comparison)
    report = report_main(out, comparison=comparison)
    print(f"logs:   {out / 'logs'}   (browse: inspect view --log-dir {out / 'logs'})")
    print(f"report: {report}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("runs/demo"), help="output dir (default runs/demo)")
    parser.add_argument("--no-train", action="store_true",
                        help="skip building SFT/DPO rungs: evaluate the packaged base and SmolLM2 only (~3 min)")
    parser.add_argument("--limit", type=int, help="samples per benchmark (default: all of the shipped subsets)")
    parser.add_argument("--display", choices=["full", "rich", "plain", "log", "none"], help="Inspect progress display")


def run(args: argparse.Namespace) -> int:
    from stagewise._extras import require

    if args.no_train:
        require("local", "stagewise demo --no-train (local generation)")
    else:
        require("train", "stagewise demo (it trains the SFT and DPO rungs; --no-train skips that)")
    main(args.out, train=not args.no_train, limit=args.limit, display=args.display)
    return 0
