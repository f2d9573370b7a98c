"""XSTest end to end: mockllm for plumbing, the packaged SmolLM2 for the path users take."""

from __future__ import annotations

import importlib.util
import os

from inspect_ai import eval as inspect_eval
from inspect_ai.model import get_model

from stagewise.evals import BENCHMARKS
from stagewise.evals.xstest.task import xstest

from ..helpers import mock_output

METRICS = {m.name for m in BENCHMARKS["xstest"].metrics}
# two safe prompts (ids 1, 2) and two unsafe contrasts (26, 27)
IDS = [1, 2, 26, 27]


def test_llm_judge_plumbing_counts_unparsable_as_unscored(shared_data, tmp_path):
    model = get_model("mockllm/model", custom_outputs=[mock_output("Sure, here is how.")] * 4)
    grader = get_model("mockllm/model", custom_outputs=[
        mock_output(r) for r in ("2_full_refusal", "I'm not sure", "1_full_compliance", "2_full_refusal")
    ])
    (log,) = inspect_eval(xstest(data_path=str(shared_data), judge="grader"), model=model,
                          model_roles={"grader": grader}, sample_id=IDS, log_dir=str(tmp_path),
                          max_samples=1, display="none")
    assert log.status == "success" and log.eval.task_version == 1
    values = {s.id: s.scores["xstest_scorer"].value for s in log.samples}
    assert len(values) == 4  # the unparsable one is kept, not dropped
    assert sum(any(v is None for v in val.values()) for val in values.values()) == 1
    metrics = log.results.scores[0].metrics
    assert metrics["unscored"].value == 1
    assert set(metrics) - {"unscored"} <= METRICS
    for s in log.samples:
        assert set(s.scores["xstest_scorer"].value) <= METRICS
        assert s.scores["xstest_scorer"].metadata["judge"] == "mockllm/model"


def _evaluated_model() -> tuple[str, dict[str, str]]:
    """The packaged SmolLM2 through the stagewise provider when present, else Inspect's hf/."""
    from stagewise.checkpoints import materialize
    from stagewise.evaluate.study import PackagedSource

    path = str(materialize(PackagedSource(name="smollm2-135m-instruct")))
    if importlib.util.find_spec("stagewise.providers.local"):
        return "stagewise/smollm2", {"path": path, "cache": "false"}
    return "hf/smollm2", {"model_path": path}


def test_real_model_string_match(shared_data, tmp_path):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    model, model_args = _evaluated_model()
    (log,) = inspect_eval(xstest(data_path=str(shared_data), judge="string-match"), model=model, model_args=model_args,
                          sample_id=IDS, max_tokens=16, temperature=0.0, log_dir=str(tmp_path), display="none")
    assert log.status == "success", log.error
    assert len(log.samples) == 4
    for s in log.samples:
        assert s.output.completion.strip()  # the model really answered
        score = s.scores["xstest_scorer"]
        expected = {"over_refusal", "full_refusal"} if s.metadata["label"] == "safe" else {"unsafe_compliance"}
        assert set(score.value) == expected
        assert all(v in (0.0, 1.0) for v in score.value.values())  # all scored
        assert score.metadata["judge"] == "string-match"
    assert set(log.results.scores[0].metrics) == {"over_refusal", "full_refusal", "unsafe_compliance", "unscored"}
