"""Start-up time of the light commands (`stagewise compare --help`, `report --help`, `status --help`)
against a bare `python -c pass`, in one run. The target: `stagewise compare --help` <= 1 s.

    python benchmarks/cli_startup.py [--rounds 5] [--without-extras]

`--without-extras` runs every command as the light core would (`pip install stagewise`, no extras):
torch, transformers, matplotlib & co. made unimportable by `tests/_without_extras/sitecustomize.py`.

Each command runs `--rounds` times in a fresh interpreter; the best time is kept (the machine is
shared: the best run is the least disturbed). Last line: `RESULT compare_help_s=<seconds>`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BLOCKER = Path(__file__).resolve().parents[1] / "tests" / "_without_extras"

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "stagewise compare --help": [sys.executable, "-m", "stagewise.cli", "compare", "--help"],
    "stagewise report --help": [sys.executable, "-m", "stagewise.cli", "report", "--help"],
    "stagewise status --help": [sys.executable, "-m", "stagewise.cli", "status", "--help"],
}


def best_seconds(cmd: list[str], rounds: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--without-extras", action="store_true", help="the extras' modules unimportable")
    args = parser.parse_args()
    env = None
    if args.without_extras:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(BLOCKER), os.environ.get("PYTHONPATH")]))}
    results = {name: best_seconds(cmd, args.rounds, env) for name, cmd in COMMANDS.items()}
    base = results["python -c pass"]
    for name, s in results.items():
        print(f"{name:<28} {s:6.3f} s   ({s / base:5.1f}x bare python)")
    print(f"RESULT compare_help_s={results['stagewise compare --help']:.3f}")


if __name__ == "__main__":
    main()
