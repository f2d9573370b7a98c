"""Speed of `compare` + `report` on a synthetic study: 10 rungs x 8 metrics x 50,000 items,
2,000 bootstrap resamples, in one run.

    OMP_NUM_THREADS=2 python benchmarks/compare.py [--items 50000] [--rungs 10] [--n-boot 2000]

Six metrics are 0/1 rates and two are continuous means; production has 3 epochs (noise ceiling).
The synthetic table is built before the clock starts; the timed part is exactly what
`stagewise report STUDY_DIR` does after loading the table (compare, plots, HTML, Markdown,
CSV, JSON). Last line: `RESULT compare_seconds=<s>`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

METRICS = {
    "xstest/over_refusal": "rate", "xstest/unsafe_compliance": "rate", "xstest/full_refusal": "rate",
    "xstest/partial_refusal": "rate", "harmbench/asr": "rate", "strongreject/refusal": "rate",
    "strongreject/score": "mean", "custom/toxicity": "mean",
}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--items", type=int, default=50_000)
    p.add_argument("--rungs", type=int, default=10)
    p.add_argument("--n-boot", type=int, default=2000)
    args = p.parse_args()

    from stagewise.compare import compare
    from stagewise.compare.synthetic import synthetic_samples
    from stagewise.report import build_report

    t0 = time.perf_counter()
    samples = synthetic_samples(n_rungs=args.rungs, n_items=args.items, metrics=METRICS, epochs={"production": 3},
                                unscored=0.002, seed=0)  # fmt: skip
    print(f"synthetic table: {len(samples):,} rows in {time.perf_counter() - t0:.1f}s")
    with tempfile.TemporaryDirectory() as tmp:
        cpu = time.process_time()
        start = time.perf_counter()
        c = compare(samples, n_boot=args.n_boot, seed=0)
        mid = time.perf_counter()
        html = build_report(c, Path(tmp) / "report", "benchmark study")
        end = time.perf_counter()
        size = html.stat().st_size
    print(f"compare: {mid - start:.1f}s   report: {end - mid:.1f}s   ({size / 1e6:.1f} MB HTML)")
    # CPU seconds of this process (all threads): less sensitive than wall time to a busy machine.
    print(f"cpu: {time.process_time() - cpu:.1f}s   load average: {os.getloadavg()[0]:.1f}")
    print(f"RESULT compare_seconds={end - start:.1f}")


if __name__ == "__main__":
    main()
