"""Contract 1 for the chat benchmarks written here: task signature, version, ids, metric names."""

from __future__ import annotations

import importlib
import inspect

import pytest

from stagewise.evals import BENCHMARKS

NAMES = ["xstest", "harmbench", "strongreject"]


@pytest.mark.parametrize("name", NAMES)
def test_task_follows_contract(shared_data, name):
    info = BENCHMARKS[name]
    fn = info.load_task()
    params = inspect.signature(fn).parameters
    assert params["data_path"].default is None and params["judge"].default is None
    task = fn(data_path=str(shared_data / name))
    assert task.version == 1
    ids = [s.id for s in task.dataset]
    assert len(ids) == len(set(ids)) and all(i is not None for i in ids)
    scorer_module = importlib.import_module(f"stagewise.evals.{name}.scorer")
    assert set(scorer_module.METRICS) == {m.name for m in info.metrics}
