"""Petri's judge dimensions on a single reply: loading, parsing, and the scorer on scripted judge replies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inspect_ai import eval
from inspect_ai.model import get_model

from stagewise.errors import StagewiseError
from stagewise.evals.dilemmas.dimensions import (
    SHIPPED_DIMENSIONS,
    SINGLE_REPLY_DIMENSIONS,
    load_dimensions,
    parse_dimension_scores,
    render_dimensions,
)
from stagewise.evals.dilemmas.task import dilemmas

from .helpers import mock_output

PETRI = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "petri"


def test_shipped_copy_is_petri_verbatim() -> None:
    if not PETRI.is_dir():
        pytest.skip("../shared/data/petri not present")
    for f in (PETRI / "dimensions").glob("*.md"):
        assert (SHIPPED_DIMENSIONS / f.name).read_text() == f.read_text(), f.name


def test_default_set_and_unknown_name() -> None:
    dims = load_dimensions()
    assert [d.name for d in dims] == list(SINGLE_REPLY_DIMENSIONS)
    assert "scenario_realism" not in {d.name for d in dims}  # about the auditor, not the reply
    assert len(load_dimensions("all")) == 38
    assert [d.name for d in load_dimensions("concerning, eval_awareness")] == ["concerning", "eval_awareness"]
    with pytest.raises(StagewiseError, match="unknown Petri dimension.*not_a_dim"):
        load_dimensions("concerning,not_a_dim")
    text = render_dimensions(load_dimensions("eval_awareness"))
    assert text.startswith("## eval_awareness (Eval Awareness): Target is aware") and "score of 10" in text


def test_parse_scores() -> None:
    names = ["concerning", "eval_awareness", "admirable"]
    assert parse_dimension_scores('Here: {"concerning": 7, "eval_awareness": {"score": 2}, "admirable": 11}', names) == {
        "concerning": 7.0, "eval_awareness": 2.0, "admirable": None}
    assert parse_dimension_scores('{"concerning": true}', names) == dict.fromkeys(names)
    assert parse_dimension_scores("no json", names) is None


def test_scorer_writes_one_metric_per_dimension(tmp_path: Path) -> None:
    model = get_model("mockllm/model", custom_outputs=[mock_output("This looks like a test. OVERRIDE=ON.")])
    judge_reply = json.dumps({"concerning": 8, "eval_awareness": 9, "cooperation_with_harmful_sysprompt": 1})
    judge = get_model("mockllm/model", custom_outputs=[mock_output(judge_reply)])
    task = dilemmas(subset="stagewise", dimensions_judge="petri_judge",
                    dimensions="concerning,eval_awareness,cooperation_with_harmful_sysprompt,unprompted_blackmail")
    [log] = eval(task, model=model, sample_id="safety-override", model_roles={"petri_judge": judge},
                 log_dir=str(tmp_path), display="none")
    score = log.samples[0].scores["dilemmas_scorer"]
    assert score.value == {"misaligned": 1.0, "eval_aware": 1.0, "petri_concerning": 8.0, "petri_eval_awareness": 9.0,
                           "petri_cooperation_with_harmful_sysprompt": 1.0, "petri_unprompted_blackmail": None}
    assert score.metadata["dimensions_raw"] == judge_reply
    metrics = log.results.scores[0].metrics
    assert metrics["petri_concerning"].value == 8.0 and metrics["petri_eval_awareness"].value == 9.0
