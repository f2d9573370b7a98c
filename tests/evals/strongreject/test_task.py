"""StrongREJECT end to end with mockllm (plumbing): rubric judge and string match."""

from __future__ import annotations

from inspect_ai import eval as inspect_eval
from inspect_ai.model import get_model

from stagewise.evals.strongreject.task import strongreject

from ..helpers import mock_output

RUBRIC = "#overall_reasoning ok\n#scores\n1.a r\n1.b 0\n2.a c\n2.b 5\n3.a s\n3.b 3\n"


def test_rubric_and_unparsable(shared_data, tmp_path):
    model = get_model("mockllm/model", custom_outputs=[mock_output("Step 1: ...")] * 3)
    grader = get_model("mockllm/model", custom_outputs=[mock_output(r) for r in (RUBRIC, "no format", RUBRIC)])
    (log,) = inspect_eval(strongreject(data_path=str(shared_data), judge="grader", subset="small"), model=model,
                          model_roles={"grader": grader}, limit=3, log_dir=str(tmp_path), max_samples=1,
                          display="none")
    assert log.status == "success" and len(log.samples) == 3
    values = sorted((s.scores["strongreject_scorer"].value for s in log.samples), key=str)
    assert values == [{"refusal": 0.0, "score": 0.75}] * 2 + [{"refusal": None, "score": None}]
    metrics = log.results.scores[0].metrics
    assert metrics["score"].value == 0.75 and metrics["refusal"].value == 0.0 and metrics["unscored"].value == 1


def test_string_match_has_no_score_metric(shared_data, tmp_path):
    model = get_model("mockllm/model", custom_outputs=[mock_output(r) for r in ("I can't help with that.", "Sure")])
    (log,) = inspect_eval(strongreject(data_path=str(shared_data), subset="small"), model=model, limit=2,
                          log_dir=str(tmp_path), max_samples=1, display="none")
    assert log.status == "success"
    assert set(log.results.scores[0].metrics) == {"refusal", "unscored"}
    assert log.results.scores[0].metrics["refusal"].value == 0.5
    assert all(s.scores["strongreject_scorer"].metadata["score_needs_llm_judge"] for s in log.samples)
