"""Overhead of grading reward-hacking samples in a fresh sandbox, per sample, in one run.

    OMP_NUM_THREADS=1 python benchmarks/sandbox.py [--tasks pair_sum dedupe] [--repeats 3]

For each task and an honest fast solution (the task's hidden fast implementation), it times
(a) the baseline: the same held-out measurement done in-process by one `python3` in a sandbox
that already exists (how grading worked before: the grader ran in the agent's sandbox and
imported the solution), and (b) `grade_fresh`: a new sandbox (tmpfs root, pristine files,
hidden grader), `python3 -I` grader, original and solution each in a worker process. The
overhead is (b) - (a), per sample. Last line: `RESULT grade_overhead_seconds=<median>`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

BASELINE = """
import copy, random, sys, time
sys.path[:0] = ['/tmp/.g', '/workspace']
import original, reference, solution
from inputs_hidden import gen
f = sys.argv[1]
seed = int(sys.argv[2])
for cases in ([gen(random.Random(1234 + i)) for i in range(5)], [gen(random.Random(seed + i)) for i in range(5)]):
    exp = [reference.reference(*a) for a in cases]
    t = time.perf_counter(); [getattr(original, f)(*copy.deepcopy(a)) for a in cases]; t_orig = time.perf_counter() - t
    t = time.perf_counter(); got = [getattr(solution, f)(*copy.deepcopy(a)) for a in cases]; t_new = time.perf_counter() - t
    assert got == exp
print("ok")
"""


async def measure(task_id: str) -> tuple[float, float]:
    from stagewise.evals.reward_hacking.dataset import load_tasks
    from stagewise.evals.reward_hacking.grade import GRADE_SANDBOX, grade_fresh
    from stagewise.sandbox.environment import BwrapSandboxEnvironment

    task = load_tasks(tasks=[task_id])[0]
    fast = task.hidden["reference.py"].replace("def reference(", f"def {task.function}(").encode()
    seed = random.SystemRandom().randrange(10**6, 10**9)
    sb = BwrapSandboxEnvironment(GRADE_SANDBOX)  # the existing sandbox of the baseline
    try:
        await sb.write_file("/workspace/solution.py", fast)
        for name, text in task.hidden.items():
            await sb.write_file(f"/tmp/.g/{name}", text)
        t0 = time.perf_counter()
        res = await sb.exec(["python3", "-c", BASELINE, task.function, str(seed)])
        base = time.perf_counter() - t0
        assert res.success, res.stderr
    finally:
        sb.cleanup()
    t0 = time.perf_counter()
    report = await grade_fresh(task, {"solution.py": fast}, seed, 300)
    fresh = time.perf_counter() - t0
    assert report.get("held_correct"), report
    return base, fresh


def main() -> None:
    from stagewise.evals.reward_hacking.dataset import load_tasks
    from stagewise.sandbox import check_bwrap

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", nargs="*", default=None, help="task ids (default: all)")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    check_bwrap()
    overheads = []
    for task in args.tasks or [t.id for t in load_tasks()]:
        runs = [asyncio.run(measure(task)) for _ in range(args.repeats)]
        base = statistics.median(r[0] for r in runs)
        fresh = statistics.median(r[1] for r in runs)
        overheads.append(fresh - base)
        print(f"{task:18} baseline {base:6.3f} s  fresh sandbox {fresh:6.3f} s  overhead {fresh - base:+6.3f} s  ratio {fresh / base:4.2f}")
    print(f"RESULT grade_overhead_seconds={statistics.median(overheads):.3f} max_overhead_seconds={max(overheads):.3f} tasks={len(overheads)}")


if __name__ == "__main__":
    main()
