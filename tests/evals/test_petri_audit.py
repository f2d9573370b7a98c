"""petri_audit: Petri's own multi-turn audit through the battery.

Without inspect_petri: one error line saying what to install. With it (scripts/setup-petri.sh installs
it into .venv-petri, where .ci/run runs this file; see the benchmark README for the Python 3.11 caveat): the real audit task runs with scripted
auditor and judge models (`petri_script`) that drive Petri's real tools and answer its real judge
schema, through `stagewise run`, and the judge's dimension scores reach results and compare.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from stagewise.cli import main as cli_main
from stagewise.errors import RunError, StagewiseError
from stagewise.evals import BENCHMARKS
from stagewise.evals.dilemmas.dimensions import SHIPPED_DIMENSIONS
from stagewise.evals.dilemmas.petri import DILEMMA_TAGS, dilemma_seeds, read_dimensions, read_petri_seeds
from stagewise.evals.petri_audit import task as petri_task
from stagewise.evals.petri_audit.scorer import dimension_values
from stagewise.evaluate.runner import plan_tasks
from stagewise.evaluate.study import load_study

from . import petri_script  # noqa: F401  (registers the `petri_script/...` models)

needs_petri = pytest.mark.skipif(not petri_task.available(), reason="inspect_petri not installed (bash scripts/setup-petri.sh)")
INFO = BENCHMARKS["petri_audit"]


def _study(tmp_path: Path, *, rungs: str, bench: str, judges: str, max_tokens: int = 24) -> Path:
    p = tmp_path / "study.yaml"
    p.write_text(f"""
name: petri
output_dir: {tmp_path / "out"}
ladder:
{rungs}
judges:
{judges}
benchmarks:
  petri_audit: {bench}
generation: {{max_tokens: {max_tokens}}}
""")
    return p


SCRIPTED_JUDGES = "  auditor: petri_script/auditor\n  judge: petri_script/judge"
TWO_SEEDS = "{judge: judge, seeds: 'id:blackmail_self_preservation,shutdown_script_avoidance', max_turns: 4, compaction: false}"


def test_metrics_are_petris_dimensions_with_their_direction():
    dims = read_dimensions(SHIPPED_DIMENSIONS)
    assert INFO.metric_names == tuple(dims) and len(dims) == 38
    specs = {m.name: m for m in INFO.metrics}
    assert all(m.kind == "mean" and m.margin == 0.5 for m in specs.values())
    assert specs["concerning"].safer == "lower" and specs["unprompted_blackmail"].safer == "lower"
    assert specs["admirable"].safer == "higher" and specs["scenario_realism"].safer == "higher"
    assert "neutral" in specs["high_stakes_setting"].description
    assert INFO.kind == "agentic" and INFO.roles == ("auditor",)


def test_without_inspect_petri_one_line_says_what_to_install(monkeypatch, tmp_path, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "inspect_petri" else real(name, *a))
    assert not petri_task.available()
    with pytest.raises(StagewiseError) as err:
        petri_task.petri_audit(judge="judge")
    assert "\n" not in str(err.value) and "pip install --ignore-requires-python inspect-petri" in str(err.value)
    # ... and through the real command line: exit 2, one `error:` line, nothing run.
    study = _study(tmp_path, rungs="  - {name: a, stage: base, source: petri_script/target}",
                   bench="{judge: judge}", judges=SCRIPTED_JUDGES)
    assert cli_main(["run", str(study)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: petri_audit needs inspect_petri: run `pip install")
    assert not (tmp_path / "out" / "logs").exists()


def test_options_are_checked_before_anything_runs(tmp_path):
    # The auditor role must be bound to a model...
    study = load_study(_study(tmp_path, rungs="  - {name: a, stage: base, source: petri_script/target}",
                              bench="{judge: judge}", judges="  judge: petri_script/judge"))
    with pytest.raises(RunError, match=r"petri_audit needs a model bound to the role 'auditor'; add `judges: \{auditor: MODEL\}`"):
        plan_tasks(study)
    # ... and a string-match judge cannot score an audit.
    with pytest.raises(StagewiseError, match="petri_audit needs a model judge"):
        petri_task.petri_audit(judge=None)
    with pytest.raises(StagewiseError, match="not both"):
        petri_task.seed_instructions(str(tmp_path), "all")
    with pytest.raises(StagewiseError, match="unknown dimension.*nope"):
        petri_task.dimension_names("concerning,nope")
    assert petri_task.seed_instructions(None, None) == "tags:" + ",".join(DILEMMA_TAGS)
    assert petri_task.seed_instructions(None, "all") is None
    assert petri_task.dimension_names("concerning, admirable") == ["concerning", "admirable"]


def test_scores_in_the_battery_format():
    names = ["concerning", "admirable", "eval_awareness"]
    assert dimension_values({"concerning": 7, "admirable": 1, "eval_awareness": 11}, names) == {
        "concerning": 7.0, "admirable": 1.0, "eval_awareness": None}
    assert dimension_values(None, names) == dict.fromkeys(names)  # a refusal: unscored, not dropped


@needs_petri
def test_the_installed_package_is_read_where_it_keeps_its_files():
    """The dilemmas readers find the real package's seeds and dimensions (the same files as the copy)."""
    assert read_dimensions(None) == read_dimensions(SHIPPED_DIMENSIONS)
    assert len(read_petri_seeds(None)) == 173


@needs_petri
def test_default_seeds_are_the_dilemma_filter():
    task = petri_task.petri_audit(judge="judge")
    ids = sorted(str(s.id) for s in task.dataset)
    assert ids == sorted(s.id for s in dilemma_seeds(read_petri_seeds()))
    assert len(ids) == 57 and task.name == "petri_audit" and task.version == 1
    assert len(petri_task.petri_audit(judge="judge", seeds="all").dataset) == 173
    with pytest.raises(StagewiseError, match="^petri_audit: .*no_such_tag"):
        petri_task.petri_audit(judge="judge", seeds="tags:no_such_tag")


@needs_petri
def test_the_real_audit_through_stagewise_run_results_and_compare(tmp_path, capsys):
    """Petri's audit, scripted auditor and judge, scripted target: run -> results -> compare."""
    rungs = ("  - {name: a, stage: base, source: petri_script/target}\n"
             "  - {name: b, stage: production, source: petri_script/target}")
    study = _study(tmp_path, rungs=rungs, bench=TWO_SEEDS, judges=SCRIPTED_JUDGES)
    assert cli_main(["run", str(study)]) == 0
    out = tmp_path / "out"
    from inspect_ai.log import read_eval_log

    log = read_eval_log(str(next((out / "logs" / "a").glob("*petri-audit*.eval"))))
    assert log.status == "success" and log.eval.task == "petri_audit"
    sample = log.samples[0]
    # Petri's solver left the surviving target conversation: the auditor's system prompt and
    # opener, and the target's reply.
    assert [m.role for m in sample.messages] == ["system", "user", "assistant"]
    assert sample.messages[1].text.startswith(petri_script.OPENER) and sample.messages[2].text == petri_script.TARGET_REPLY
    (score,) = sample.scores.values()
    assert set(score.value) == set(INFO.metric_names) and score.metadata["judge"] == "petri_script/judge"
    assert score.value == {k: float(v) for k, v in score.metadata["petri_value"].items()}

    assert cli_main(["results", str(out)]) == 0
    df = pd.read_parquet(out / "results" / "samples.parquet")
    assert set(df.metric) == set(INFO.metric_names) and set(df.rung) == {"a", "b"}
    assert set(df.item_id) == {"blackmail_self_preservation", "shutdown_script_avoidance"}
    assert df.value.between(1, 10).all()
    assert cli_main(["compare", str(out)]) == 0
    comparison = json.loads((out / "results" / "compare.json").read_text())
    text = json.dumps(comparison)
    assert "petri_audit/concerning" in text and "petri_audit/admirable" in text
    capsys.readouterr()


@needs_petri
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_real_tiny_target_audited_by_petri(tmp_path):
    """SmolLM2-135M-Instruct as the target of Petri's real audit (scripted auditor and judge):
    its replies reach the transcript the judge scores, and the scores reach results."""
    from stagewise.evaluate.results import collect
    from stagewise.evaluate.runner import run_study

    rungs = "  - {name: smol, stage: production, source: packaged:smollm2-135m-instruct, model_args: {batch_size: 1}}"
    study = load_study(_study(tmp_path, rungs=rungs, bench=TWO_SEEDS, judges=SCRIPTED_JUDGES))
    out = run_study(study, display="none")
    from inspect_ai.log import read_eval_log

    log = read_eval_log(str(next((out / "logs" / "smol").glob("*petri-audit*.eval"))), resolve_attachments=True)
    assert log.status == "success", log.error
    replies = {str(s.id): s.messages[-1].text for s in log.samples}
    assert all(r and r != petri_script.TARGET_REPLY for r in replies.values()), replies
    df = collect(out)
    assert set(df.metric) == set(INFO.metric_names) and df.value.notna().all()
    # Petri's judge was shown SmolLM's own reply, in the transcript Petri rendered.
    for sample in log.samples:
        judge_inputs = ["\n".join(m.text for m in e.input) for e in sample.events
                        if e.event == "model" and e.model == "petri_script/judge"]
        assert judge_inputs and all(sample.messages[-1].text.strip()[:40] in t for t in judge_inputs)
