"""`stagewise run STUDY.yaml` and `stagewise status STUDY.yaml`."""

from __future__ import annotations

import argparse
from pathlib import Path

from stagewise.evaluate.study import Study, load_study


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", type=Path, help="the study file (YAML)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a study value, e.g. --set benchmarks.xstest.limit=20 (repeatable)")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    parser.add_argument("--rung", action="append", default=[], help="run only this rung (repeatable)")
    parser.add_argument("--judge", action="append", default=[], metavar="ROLE=MODEL",
                        help="bind a judge role, e.g. --judge grader=openai/gpt-4o-mini (overrides the study)")
    parser.add_argument("--limit", type=int, help="samples per benchmark")
    parser.add_argument("--display", choices=["full", "rich", "plain", "log", "none"], help="Inspect progress display")
    ray = parser.add_argument_group("Ray Data (generate and judge the chat benchmarks of local rungs on a cluster)")
    ray.add_argument("--ray-address", default=None, metavar="ADDR",
                     help="'local' (one-machine Ray), 'auto' (the running cluster) or ray://HOST:PORT")
    ray.add_argument("--ray-workers", type=int, default=1, help="actors per rung, each loads the model once")
    ray.add_argument("--ray-gpus-per-worker", type=float, default=0.0,
                     help="GPUs per actor; with GPUs, actors generate with vLLM where it is installed")
    ray.add_argument("--ray-cpus-per-worker", type=float, default=None, help="default: cluster CPUs / workers")
    ray.add_argument("--ray-chunk-size", type=int, default=64, help="samples per Ray task (resume granularity)")
    ray.add_argument("--ray-engine", choices=["hf", "vllm", "auto"], default=None,
                     help="generation engine on the actors (default: auto on GPU actors, hf on CPU ones)")


def _load(args: argparse.Namespace) -> Study:
    overrides = list(args.overrides)
    for item in getattr(args, "judge", []) or []:
        role, sep, model = item.partition("=")
        if not sep:
            from stagewise.errors import StudyError

            raise StudyError(f"--judge {item!r} must look like ROLE=MODEL, e.g. grader=openai/gpt-4o-mini")
        overrides.append(f"judges.{role}={model}")
    if getattr(args, "limit", None) is not None:
        overrides.append(f"limit={args.limit}")
    return load_study(args.study, overrides)


def run_run(args: argparse.Namespace) -> int:
    from stagewise.evaluate.results import main as results_main
    from stagewise.evaluate.results import print_table
    from stagewise.evaluate.runner import run_study

    study = _load(args)
    ray = None
    if args.ray_address:
        from stagewise.evaluate.runner_ray import RayOptions

        ray = RayOptions(address=args.ray_address, workers=args.ray_workers, gpus_per_worker=args.ray_gpus_per_worker,
                         cpus_per_worker=args.ray_cpus_per_worker, chunk_size=args.ray_chunk_size,
                         engine=args.ray_engine)
    out = run_study(study, rungs=args.rung or None, display=args.display, ray=ray)
    res = results_main(out)
    import pandas as pd

    print_table(pd.read_csv(res / "summary.csv"))
    print(f"logs: {out / 'logs'}  (browse with `inspect view --log-dir {out / 'logs'}`)")
    print(f"results: {res}")
    return 0


def add_status_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)


def run_status(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from stagewise.evaluate.status import study_status

    study = _load(args)
    rows = study_status(study)
    t = Table(title=f"{study.name}: {study.output_dir}")
    for col in ("rung", "stage", "benchmark", "state", "samples"):
        t.add_column(col)
    for r in rows:
        colour = {"done": "green", "partial": "yellow", "todo": "dim", "error": "red"}[r.state]
        t.add_row(r.rung, r.stage, r.benchmark, f"[{colour}]{r.state}[/{colour}]", r.samples)
    Console().print(t)
    left = sum(r.state != "done" for r in rows)
    print(f"{len(rows) - left}/{len(rows)} rung x benchmark tasks done" + (f"; `stagewise run {args.study}` resumes" if left else ""))
    return 0
