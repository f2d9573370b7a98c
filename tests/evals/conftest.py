"""Fixtures for the benchmark tests: a mock judge bound to the `grader` model role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from inspect_ai.model import get_model
from inspect_ai.model._model import init_model_roles

from .helpers import mock_output


@pytest.fixture
def bind_grader() -> Iterator[Callable[..., None]]:
    """Bind role `grader` to a mockllm model replying with the given texts, in order."""

    def bind(*replies: str) -> None:
        outputs = [mock_output(r) for r in replies]
        init_model_roles({"grader": get_model("mockllm/model", custom_outputs=outputs)})

    yield bind
    init_model_roles({})
