"""Everything stagewise does to Inspect's console output during `stagewise run`, in one place.

Inspect has no public API for either adjustment below (`inspect_ai.hooks` observes runs but
cannot change what the display prints, and display settings are the user's `--display`), so
both patch Inspect internals, only inside `adjusted_display()`, and are undone on exit.
`tests/evaluate/test_inspect_display.py` fails when Inspect moves either of them (`INTERNALS`):

1. After Ctrl-C, `eval_set` still prints "Completed all tasks in '...' successfully"
   (`inspect_ai/_eval/evalset.py`, through rich's console). When the caller says the tasks were
   cancelled, that one message is dropped; our "interrupted after N of M samples" line follows.
   Patched on `rich.console.Console.print`, the class: Inspect's display calls
   `rich.reconfigure()`, which replaces the console object's `__dict__`.
2. The panel for a failed task renders `inspect_ai._display.core.results.rich_traceback(...)`,
   a traceback of Inspect's internals. It shows `Kind: message` in one line instead; the log keeps
   the full traceback for `inspect view`, and our own line after it says what to do.

Why the cancellation is read from the logs and not from an Inspect hook: `on_task_end` is not
emitted for cancelled or failed tasks (Inspect 0.3.285), and registering any `@hooks` class
makes Inspect print an "inspect_ai vX / hooks enabled" banner at the start of every run, a
change in what users see for no gain over reading the log headers the run just wrote.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

# The Inspect internals `adjusted_display` relies on (module, attribute or text).
INTERNALS = {
    "inspect_ai._display.core.results": "rich_traceback",  # the failed-task panel's body
    "inspect_ai._eval.evalset": "Completed all tasks in",  # eval_set's final status line
}
FALSE_SUCCESS = "Completed all tasks"


@contextlib.contextmanager
def adjusted_display(drop_false_success: Callable[[], bool]) -> Iterator[None]:
    """Inspect's console, adjusted as the module docstring says, inside the block.

    Args:
        drop_false_success: asked when eval_set prints its "Completed all tasks" line; True drops
            it (the runner answers from the log headers: was any task cancelled?).
    """
    from rich.console import Console

    original = Console.print

    def guarded(self: Console, *objects: Any, **kwargs: Any) -> None:
        if objects and FALSE_SUCCESS in str(objects[0]) and drop_false_success():
            return
        original(self, *objects, **kwargs)

    Console.print = guarded  # type: ignore[method-assign]
    results, traceback = _one_line_task_errors()
    try:
        yield
    finally:
        Console.print = original  # type: ignore[method-assign]
        if results is not None:
            results.rich_traceback = traceback


def _one_line_task_errors() -> tuple[Any, Any]:
    """Replace the failed-task panel's traceback by one line; returns what to restore
    ((None, None) where this Inspect has no such function: its panel is left as it is)."""
    try:
        from inspect_ai._display.core import results
    except ImportError:
        return None, None
    traceback = getattr(results, "rich_traceback", None)
    if traceback is None:
        return None, None
    from rich.text import Text

    results.rich_traceback = lambda exc_type, exc_value, tb: Text(f"{exc_type.__name__}: {exc_value}")
    return results, traceback
