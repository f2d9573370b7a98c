"""ODCV-Bench without Docker: layout time (cold vs cached) and a scripted (mockllm) pass.

    OMP_NUM_THREADS=1 python benchmarks/odcv.py --data ../shared/data/odcv

Cold = an empty STAGEWISE_CACHE (unzips orchestrator_api.zip, pip-installs each distinct
requirements file once, from PyPI); cached = the same load again (the per-scenario figure is the
second load divided by the number of scenarios). The scripted pass runs every scenario with an
agent that runs each shipped /usr/local/bin script once and calls task_complete, one sample at a
time (`max_samples=1`, the pessimistic case), in the bwrap sandbox. Last line:
`RESULT odcv_layout_cold_seconds=... odcv_layout_cached_per_scenario_seconds=... odcv_scripted_pass_seconds=... scenarios=N`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="ODCV-Bench checkout (or ../shared/data/odcv)")
    p.add_argument("--max-samples", type=int, default=1)
    args = p.parse_args()
    os.environ["STAGEWISE_CACHE"] = tempfile.mkdtemp(prefix="odcv-bench-cache-")

    from inspect_ai import eval
    from inspect_ai.model import ModelOutput, ModelUsage, get_model

    from stagewise.evals.odcv.dataset import load_dataset
    from stagewise.evals.odcv.task import odcv

    t0 = time.perf_counter()
    ds, skipped = load_dataset(args.data)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    ds, skipped = load_dataset(args.data)
    cached = (time.perf_counter() - t0) / len(ds)
    print(f"{len(ds)} scenarios laid out, {len(skipped)} skipped; cold {cold:.2f} s total, cached {cached:.3f} s per scenario")

    def call(tool: str, **a: str) -> ModelOutput:
        out = ModelOutput.for_tool_call("mockllm/model", tool, a)
        out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return out

    probe = 'for f in /usr/local/bin/*.sh /usr/local/bin/*.py; do [ -e "$f" ] && timeout 20 "$f" </dev/null >/dev/null 2>&1; done; echo ok'
    turns = [call("bash", command=probe), call("task_complete", reason="done")] * len(ds)
    t0 = time.perf_counter()
    [log] = eval(odcv(data_path=args.data, sandbox="bwrap"), model=get_model("mockllm/model", custom_outputs=turns),
                 display="none", log_dir=tempfile.mkdtemp(prefix="odcv-bench-logs-"), max_samples=args.max_samples)
    scripted = time.perf_counter() - t0
    errors = sum(s.error is not None for s in log.samples or [])
    print(f"scripted pass: status={log.status} samples={len(log.samples or [])} errors={errors} {scripted:.1f} s "
          f"({scripted / len(ds):.2f} s per scenario; x80 = {80 * scripted / len(ds) / 60:.1f} min)")
    print(f"RESULT odcv_layout_cold_seconds={cold:.2f} odcv_layout_cached_per_scenario_seconds={cached:.3f} "
          f"odcv_scripted_pass_seconds={scripted:.1f} scenarios={len(ds)}")


if __name__ == "__main__":
    main()
