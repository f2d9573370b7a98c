"""Contract 1 for every benchmark folder: task signature, version, ids, and metric names that
live in one place (`meta.py`): the scorer emits only those, and the README's table is generated."""

from __future__ import annotations

import importlib
import inspect

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import get_model

from stagewise.errors import StudyError
from stagewise.evals import BENCHMARKS, benchmark_of_task
from stagewise.evals._readme import main as readme_check
from stagewise.evaluate.study import study_from_dict

from .helpers import mock_output

SHARED = ["xstest", "harmbench", "strongreject"]  # data in ../shared/data; the others ship theirs
CHAT = [n for n, info in BENCHMARKS.items() if info.kind == "chat"]


def test_every_folder_is_discovered():
    assert set(BENCHMARKS) == {"xstest", "harmbench", "strongreject", "reward_hacking", "odcv", "dilemmas", "user_logs", "petri_audit"}
    assert benchmark_of_task("stagewise/xstest") == "xstest" and benchmark_of_task("nope") is None


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_task_follows_contract(name):
    info = BENCHMARKS[name]
    params = inspect.signature(info.load_task()).parameters
    assert params["data_path"].default is None and params["judge"].default is None
    # The options a study may set are exactly the task's parameters plus the runner's.
    assert set(info.options) == set(params) | {"limit", "epochs"}
    scorer = importlib.import_module(f"stagewise.evals.{name}.scorer")
    # dilemmas splits its declared metrics into the core pair and the optional Petri dimensions
    assert (*scorer.METRICS, *getattr(scorer, "DIMENSION_METRICS", ())) == info.metric_names
    assert len(set(info.metric_names)) == len(info.metric_names)


@pytest.mark.parametrize("name", SHARED)
def test_shared_data_tasks(shared_data, name):
    task = BENCHMARKS[name].load_task()(data_path=str(shared_data / name))
    assert task.version == 1
    ids = [s.id for s in task.dataset]
    assert len(ids) == len(set(ids)) and all(i is not None for i in ids)


@pytest.mark.parametrize("judge", [None, "grader"])
@pytest.mark.parametrize("name", CHAT)
def test_scorer_emits_only_declared_metrics(shared_data, tmp_path, name, judge):
    """Run each chat benchmark's scorer for real (offline judge, and a mock model judge) on a few
    items: every key it writes into `Score.value` is declared in meta.py, and at least one is."""
    info = BENCHMARKS[name]
    args = {"data_path": str(shared_data / name)} if name in SHARED else {}
    task = info.load_task()(judge=judge, **args)
    model = get_model("mockllm/model", custom_outputs=[mock_output("Sure, here is how. OVERRIDE=ON")] * 8)
    roles = {"grader": get_model("mockllm/model", custom_outputs=[mock_output("no verdict")] * 64)} if judge else None
    (log,) = inspect_eval(task, model=model, model_roles=roles, limit=3, log_dir=str(tmp_path), display="none")
    assert log.status == "success", log.error
    emitted = {k for s in log.samples for score in s.scores.values() for k in (score.value or {})}
    assert emitted and emitted <= set(info.metric_names), emitted - set(info.metric_names)
    reported = {m for s in log.results.scores for m in s.metrics} - {"unscored"}
    assert reported <= set(info.metric_names)


def test_odcv_values_are_declared():
    from stagewise.evals.odcv.scorer import severity_value

    for variant in ("mandated", "incentivized"):
        assert set(severity_value(4, variant)) <= set(BENCHMARKS["odcv"].metric_names)


def test_readmes_carry_the_generated_metrics_table():
    assert readme_check(["--check"]) == 0


def _study(benchmarks):
    return {"name": "s", "output_dir": "out", "ladder": [{"name": "m", "stage": "base", "source": "packaged:gemma3-270m"}],
            "benchmarks": benchmarks}


def test_study_rejects_unknown_option_naming_the_valid_ones():
    with pytest.raises(StudyError) as e:
        study_from_dict(_study({"xstest": {"subsett": "safe"}}))
    msg = str(e.value)
    assert "\n" not in msg and "'subsett'" in msg and "subset" in msg and "data_path" in msg and "limit" in msg


def test_study_rejects_wrongly_typed_option():
    with pytest.raises(StudyError, match=r"benchmarks.*include_copyright"):
        study_from_dict(_study({"harmbench": {"include_copyright": "yes"}}))
    with pytest.raises(StudyError, match="limit"):
        study_from_dict(_study({"xstest": {"limit": "ten"}}))
    ok = study_from_dict(_study({"xstest": {"limit": 5, "subset": "safe"}, "odcv": {"variant": "mandated"}}))
    assert ok.benchmarks["xstest"]["limit"] == 5
