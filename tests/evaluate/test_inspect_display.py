"""The one place stagewise touches Inspect's display (`stagewise.evaluate._inspect_display`):
two patches of Inspect internals, which these tests pin so that an Inspect upgrade that moves
them fails here rather than silently changing the output.
The end-to-end behaviour (Ctrl-C: "interrupted after N of M samples", exit 130/143, no false
"Completed all tasks"; a failed task in one line) is tested in test_runner.py and
test_endpoint_killed.py."""

from __future__ import annotations

import importlib
import inspect as pyinspect
import io

import pytest
from rich.console import Console

from stagewise.evaluate._inspect_display import INTERNALS, adjusted_display


@pytest.mark.parametrize("module,what", sorted(INTERNALS.items()))
def test_the_inspect_internals_we_patch_are_still_there(module: str, what: str) -> None:
    mod = importlib.import_module(module)
    if what.isidentifier():
        assert callable(getattr(mod, what, None)), f"{module}.{what} is gone: update _inspect_display"
    else:
        assert what in pyinspect.getsource(mod), f"{module} no longer prints {what!r}: update _inspect_display"


def test_the_failed_task_panel_calls_the_function_we_replace() -> None:
    from inspect_ai._display.core import results

    # The panel looks the name up in its module at call time: replacing the module attribute works.
    assert "rich_traceback" in results.task_result_error.__code__.co_names
    evalset = pyinspect.getsource(importlib.import_module("inspect_ai._eval.evalset"))
    assert "console.print(" in evalset and "rich.get_console()" in evalset


def _render(renderable: object) -> str:
    out = io.StringIO()
    Console(file=out, width=100).print(renderable)
    return out.getvalue()


def test_a_task_error_renders_in_one_line_and_is_restored() -> None:
    from inspect_ai._display.core import results

    original = results.rich_traceback
    try:
        raise ValueError("endpoint said no")
    except ValueError as e:
        err = (type(e), e, e.__traceback__)
    with adjusted_display(lambda: False):
        assert _render(results.rich_traceback(*err)) == "ValueError: endpoint said no\n"
    assert results.rich_traceback is original
    assert "Traceback" in _render(original(*err)) or len(_render(original(*err)).splitlines()) > 1


@pytest.mark.parametrize("cancelled", [True, False])
def test_the_false_success_line_is_dropped_only_for_a_cancelled_run(cancelled: bool) -> None:
    out = io.StringIO()
    console = Console(file=out)
    with adjusted_display(lambda: cancelled):
        console.print("[bold]Completed all tasks in 'logs/r' successfully[/bold]")
        console.print("other output")
    console.print("Completed all tasks after the block")
    text = out.getvalue()
    assert ("Completed all tasks in" in text) is not cancelled
    assert "other output" in text and "after the block" in text
