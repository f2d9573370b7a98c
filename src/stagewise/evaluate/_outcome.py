"""What an `eval_set` left behind, in one line: interrupted (N of M samples), or the real error.

Inspect reports an interrupted eval set as finished and a failed task only in its log; the user
must learn at the prompt that the run stopped, how far it got, and whether a rerun can help.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stagewise.errors import Interrupted, RunError

# Failures a rerun cannot fix: the next attempt would fail the same way, so say what is wrong.
_NOT_RETRYABLE = ("TemplateSyntaxError", "TemplateError", "UndefinedError", "TypeError", "ValueError", "KeyError",
                  "CheckpointError", "StudyError", "DataError")


def check_logs(rung: str, log_dir: Path, ok: bool, progress: tuple[int, int], endpoint: str | None = None) -> None:
    """Raise `Interrupted` or `RunError` unless every task of `rung` finished.

    Reads the newest log of each task from disk: after Ctrl-C, `eval_set` returns success and no logs.
    """
    logs = _newest_headers(log_dir)
    if any(log.status == "cancelled" for log in logs):
        raise interrupted(progress)
    if ok:
        return
    for log in logs:
        if log.status == "error" and log.error is not None:
            kind, message = _error_parts(log.error.message)
            where = f"rung {rung}, task {log.eval.task.rsplit('/', 1)[-1]}"
            if endpoint is not None and kind not in _NOT_RETRYABLE:
                raise RunError(f"{where}: endpoint {endpoint} failed after its retries ({kind}: {message}); "
                               f"check the server, or raise generation.request_timeout / max_retries, then rerun "
                               f"(the {progress[0]} finished samples are kept)")
            if kind in _NOT_RETRYABLE:
                raise RunError(f"{where}: {kind}: {message}; fix it, then rerun (finished samples are kept)")
            raise RunError(f"{where} failed ({kind}: {message}); finished samples are kept, rerun `stagewise run` "
                           f"to resume (details: `inspect view --log-dir {log_dir}`)")
    raise RunError(f"rung {rung}: some tasks did not finish (see `inspect view --log-dir {log_dir}`); "
                   "finished samples are kept, rerun `stagewise run` to resume")


@contextlib.contextmanager
def no_false_success(log_dir: Path) -> Iterator[None]:
    """Drop Inspect's "Completed all tasks ... successfully" when the tasks were in fact cancelled
    (after Ctrl-C `eval_set` prints it anyway; the interrupt line follows instead), and show a
    failed task's error in one line (`stagewise.evaluate._inspect_display`)."""
    from stagewise.evaluate._inspect_display import adjusted_display

    with adjusted_display(lambda: any(h.status == "cancelled" for h in _newest_headers(log_dir))):
        yield


def _newest_headers(log_dir: Path) -> list[Any]:
    from inspect_ai.log import read_eval_log

    newest: dict[str, Any] = {}
    for f in sorted(log_dir.glob("*.eval")):
        try:
            log = read_eval_log(str(f), header_only=True)
        except Exception:  # noqa: BLE001 - an unreadable log is set aside by the next run
            continue
        if log.eval.task not in newest or log.eval.created > newest[log.eval.task].eval.created:
            newest[log.eval.task] = log
    return list(newest.values())


def interrupted(progress: tuple[int, int]) -> Interrupted:
    done, planned = progress
    return Interrupted(f"interrupted after {done} of {planned} samples; finished samples are saved, "
                       "rerun the same command to resume")


def _error_parts(message: str) -> tuple[str, str]:
    """('TemplateSyntaxError', 'unexpected end of template') from Inspect's "Kind('text')" or "Kind: text"."""
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    for sep in ("(", ": "):
        head, found, rest = first.partition(sep)
        if found and head.isidentifier():
            return head, rest.rstrip(")").strip("'\"") if sep == "(" else rest
    return "Error", first


def set_aside_superseded(log_dir: Path, aside: Path) -> list[Path]:
    """Move the logs of crashed or cancelled attempts to `aside` once a later attempt of the same task
    succeeded (it recovered their samples), so `inspect view` and readers see one log per task."""
    import shutil

    from inspect_ai.log import read_eval_log

    headers: list[tuple[Path, Any]] = []
    for f in sorted(log_dir.glob("*.eval")):
        try:
            headers.append((f, read_eval_log(str(f), header_only=True)))
        except Exception:  # noqa: BLE001 - unreadable logs are quarantined by the next run
            continue
    newest = {}
    for f, h in headers:
        if h.eval.task not in newest or h.eval.created > newest[h.eval.task][1].eval.created:
            newest[h.eval.task] = (f, h)
    moved = []
    for f, h in headers:
        best_file, best = newest[h.eval.task]
        if f != best_file and best.status == "success" and h.status != "success":
            aside.mkdir(parents=True, exist_ok=True)
            shutil.move(str(f), aside / f.name)
            moved.append(aside / f.name)
    return moved
