"""The `stagewise` command. Each subcommand lives in its own module, imported only when it
runs, so `stagewise --help` starts fast (no torch, no Inspect)."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from typing import Any

# command -> (module defining add_arguments(parser) and run(args) -> int, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("stagewise.demo", "run the embedded default study offline and print the comparison"),
    "run": ("stagewise.evaluate.cli", "evaluate every rung of a study on its battery (resumable)"),
    "status": ("stagewise.evaluate.cli", "show what is done and what is left for a study"),
    "results": ("stagewise.evaluate.results", "per-rung results table with 95% intervals (CSV + JSON)"),
    "compare": ("stagewise.compare.cli", "paired differences, equivalence, noise ceiling, attribution"),
    "report": ("stagewise.report.cli", "write the self-contained HTML report (+ Markdown, CSV, JSON)"),
    "judges": ("stagewise.judges.cli", "validate judges against human labels"),
    "train": ("stagewise.train.cli", "build rungs: `train sft` and `train dpo` on TRL"),
    "logs": ("stagewise.userlogs.cli", "user-log analysis: ingest, scrub, cluster, replay"),
}


def _top_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="stagewise",
        description="Which training stage drives an LLM's safety? Build or register a ladder of "
        "checkpoints, run one Inspect safety battery on every rung, compare statistically.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n" + "\n".join(f"  {name:<9} {text}" for name, (_, text) in COMMANDS.items())
        + "\n\nRun `stagewise COMMAND --help` for a command's options.",
    )
    p.add_argument("--version", action="store_true", help="print the version and exit")
    p.add_argument("command", nargs="?", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    argv_is_process = argv is None  # the real command line, not a test calling main([...])
    argv = list(sys.argv[1:] if argv is None else argv)
    # Two cores with spinning OpenMP threads are 10-20x slower under contention.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if not argv or argv[0] not in COMMANDS:
        top = _top_parser()
        args, _ = top.parse_known_args(argv)
        if args.version:
            from stagewise import __version__

            print(__version__)
            return 0
        if args.command and args.command not in COMMANDS:
            top.error(f"unknown command {args.command!r}; choose one of {', '.join(COMMANDS)}")
        top.print_help()
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    name, rest = argv[0], argv[1:]
    module_name, text = COMMANDS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        return _missing_extra(e, name)
    parser = argparse.ArgumentParser(prog=f"stagewise {name}", description=text)
    add = getattr(module, f"add_{name}_arguments", None) or module.add_arguments
    run = getattr(module, f"run_{name}", None) or module.run
    add(parser)
    args = parser.parse_args(rest)
    from stagewise.errors import Interrupted, StagewiseError

    received: list[int] = []
    previous = _forward_sigterm(received)
    try:
        return int(run(args) or 0)
    except (Interrupted, KeyboardInterrupt) as e:
        print(f"{e if isinstance(e, Interrupted) else Interrupted()}", file=sys.stderr, flush=True)
        code = 128 + (received[0] if received else signal.SIGINT)
        if argv_is_process:
            # Threads still inside torch would abort the interpreter's exit ("terminate called without
            # an active exception", exit 134); the logs and caches are already durable, so leave now.
            sys.stdout.flush()
            os._exit(code)
        return code
    except StagewiseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as e:  # an optional part (torch, matplotlib...) is not installed
        return _missing_extra(e, name)
    except OSError as e:  # disk full, read-only or missing folder: finished work is already durable
        if e.errno is None:
            raise
        where = f" {e.filename}" if e.filename else ""
        print(f"error: cannot write or read{where} ({e.strerror}); free space, fix the permissions or choose "
              "another output_dir, then rerun the same command (finished work is kept)", file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _missing_extra(error: ModuleNotFoundError, command: str) -> int:
    """One line naming the extra that brings the missing module; other missing modules are bugs."""
    from stagewise._extras import extra_for, message

    extra = extra_for(error)
    if extra is None:
        raise error
    print(f"error: {message(f'stagewise {command} ({error.name} is not installed)', extra)}", file=sys.stderr)
    return 2


def _forward_sigterm(received: list[int]) -> Any:
    """Treat SIGTERM as Ctrl-C (Inspect then cancels its tasks and writes their logs) and record it,
    so the exit status says which signal stopped the run (143 vs 130)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def on_term(signum: int, frame: Any) -> None:
        received.append(signum)
        os.kill(os.getpid(), signal.SIGINT)

    return signal.signal(signal.SIGTERM, on_term)


if __name__ == "__main__":
    sys.exit(main())
