"""Judge validation: metrics against scikit-learn, the CLI on the real XSTest human labels,
LLM judges through Inspect (mockllm replies), one-line errors for bad inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from sklearn.metrics import accuracy_score, cohen_kappa_score
from sklearn.metrics import confusion_matrix as sk_confusion

from stagewise.cli import main
from stagewise.judges.refusal import string_match_refusal
from stagewise.judges.validate import (
    BINARY_LABELS,
    LABELS,
    JudgeError,
    accuracy,
    agreement,
    binary,
    cohen_kappa,
    confusion_matrix,
    llm_labels,
    load_human_labels,
    validate,
)

C, R, P = LABELS
HUMAN = [C, C, C, R, R, R, R, P, P, C, R, P]
JUDGE = [C, R, C, R, R, C, R, R, C, C, R, R]


def test_metrics_match_sklearn_on_a_hand_built_case():
    m = confusion_matrix(HUMAN, JUDGE, LABELS)
    assert m == sk_confusion(HUMAN, JUDGE, labels=list(LABELS)).tolist()
    assert accuracy(m) == pytest.approx(accuracy_score(HUMAN, JUDGE))
    assert cohen_kappa(m) == pytest.approx(cohen_kappa_score(HUMAN, JUDGE, labels=list(LABELS)))
    hb, jb = [binary(x) for x in HUMAN], [binary(x) for x in JUDGE]
    a = agreement("j", HUMAN, JUDGE)
    assert a.n == 12 and a.n_unscored == 0 and a.matrix == tuple(map(tuple, m))
    assert a.binary_accuracy == pytest.approx(accuracy_score(hb, jb))
    assert a.binary_kappa == pytest.approx(cohen_kappa_score(hb, jb, labels=list(BINARY_LABELS)))
    # by hand: 7 of 12 on the diagonal
    assert a.accuracy == pytest.approx(7 / 12)


def test_unparsable_replies_are_unscored_not_wrong():
    predicted = [None if i % 4 == 0 else j for i, j in enumerate(JUDGE)]
    a = agreement("j", HUMAN, predicted)
    kept = [(h, p) for h, p in zip(HUMAN, predicted) if p is not None]
    assert (a.n, a.n_unscored) == (9, 3)
    assert a.kappa == pytest.approx(cohen_kappa_score(*zip(*kept), labels=list(LABELS)))


def test_kappa_is_nan_when_everyone_says_one_thing_and_json_has_null():
    a = agreement("j", [C, C], [C, C])
    assert a.accuracy == 1.0 and math.isnan(a.kappa)
    assert a.to_json()["kappa"] is None
    assert a.to_json()["confusion"]["labels"] == list(LABELS)


def test_cli_on_the_real_csvs_with_string_match(shared_data: Path, tmp_path: Path, capsys):
    study = tmp_path / "study"
    assert main(["judges", "validate", "--judge", "string-match", "--data", str(shared_data / "xstest"),
                 "--study", str(study)]) == 0
    rows = json.loads((study / "results" / "judges.json").read_text())
    files = sorted((shared_data / "xstest").glob("completions_*"))
    # one row per model, then the pooled one
    assert [(r["judge"], r["model"]) for r in rows] == [("string-match", f.name.split("_")[1]) for f in files] + [
        ("string-match", "pooled")]
    assert all(r["n"] == 450 for r in rows[:-1])
    r = rows[-1]
    # independent computation straight from the CSVs with scikit-learn
    df = pd.concat([pd.read_csv(f, keep_default_na=False) for f in files])
    human = df["final_label"].str[2:].tolist()
    judge = [string_match_refusal(t) for t in df["completion"]]
    assert r["benchmark"] == "xstest" and r["n"] == len(df) == 450 * len(files) and r["n_unscored"] == 0
    assert len(files) >= 3
    assert r["accuracy"] == pytest.approx(accuracy_score(human, judge))
    assert r["kappa"] == pytest.approx(cohen_kappa_score(human, judge))
    hb, jb = [binary(x) for x in human], [binary(x) for x in judge]
    assert r["binary_accuracy"] == pytest.approx(accuracy_score(hb, jb))
    assert r["binary_kappa"] == pytest.approx(cohen_kappa_score(hb, jb))
    assert r["confusion"]["matrix"] == sk_confusion(human, judge, labels=list(LABELS)).tolist()
    out = capsys.readouterr().out
    assert "string-match" in out and f"{r['kappa']:.3f}" in out and max(len(x) for x in out.splitlines() if not x.startswith("wrote ")) <= 80


def test_cli_reads_the_judges_of_a_study(shared_data: Path, tmp_path: Path):
    (tmp_path / "study.yaml").write_text(
        "name: s\noutput_dir: .\nladder: [{name: a, stage: sft, source: 'packaged:gemma3-270m'}]\n"
        "benchmarks: [xstest]\njudges: {grader: string-match}\n")
    assert main(["judges", "validate", "--data", str(shared_data / "xstest"), "--study", str(tmp_path),
                 "--limit", "50"]) == 0
    rows = json.loads((tmp_path / "results" / "judges.json").read_text())
    assert [(r["judge"], r["n"]) for r in rows if r["model"] == "pooled"] == [("string-match", 50)]


def _reply(text: str) -> ModelOutput:
    out = ModelOutput.from_content("mockllm/model", text)  # usage given: no tiktoken download
    out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    return out


def test_llm_judge_runs_through_inspect_and_counts_unparsable(shared_data: Path, tmp_path: Path):
    rows = load_human_labels(shared_data / "xstest" / "completions_gpt4_human_labels.csv").head(4)
    replies = [_reply("1_full_compliance"), _reply("CLASS: 2_full_refusal"), _reply("I refuse to grade"),
               _reply("3_partial_refusal")]
    model = get_model("mockllm/model", custom_outputs=replies)
    name, labels = llm_labels("grader", model, rows, max_connections=1, log_dir=str(tmp_path))
    assert name == "mockllm/model"
    # one reply per sample; which sample got which reply depends on scheduling, the multiset does not
    assert sorted(labels, key=str) == sorted([C, R, None, P], key=str)
    a = agreement(name, list(rows["label"]), labels)
    assert (a.n, a.n_unscored) == (3, 1)


@pytest.mark.parametrize("content, match", [
    ("id,prompt,completion\nv2-1,p,c\n", "missing column.*final_label"),
    ("id,prompt,completion,final_label\nv2-1,p,c,4_maybe\n", "unknown final_label"),
])
def test_bad_csv_is_a_one_line_error(tmp_path: Path, content: str, match: str, capsys):
    bad = tmp_path / "completions_x_human_labels.csv"
    bad.write_text(content)
    with pytest.raises(JudgeError, match=match):
        validate(["string-match"], tmp_path)
    assert main(["judges", "validate", "--data", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err


def test_missing_data_and_unknown_judge_are_one_line_errors(tmp_path: Path, shared_data: Path, capsys):
    assert main(["judges", "validate", "--data", str(tmp_path / "nope")]) == 2
    assert main(["judges", "validate", "--data", str(tmp_path)]) == 2  # folder without completions
    assert main(["judges", "validate", "--data", str(shared_data / "xstest"), "--judge", "gpt"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines)
    assert "not found" in lines[0] and "no completions_" in lines[1] and "unknown judge 'gpt'" in lines[2]


def test_bootstrap_interval_covers_kappa_and_recall_counts_partial_refusals():
    human = [C, R, P] * 40
    judge = [C, R, C] * 40
    a = agreement("j", human, judge)
    lo, hi = a.kappa_ci
    assert lo <= a.kappa <= hi and hi - lo < 0.5
    assert a.recall == (1.0, 1.0, 0.0)  # no partial refusal recognised
    assert a.to_json()["recall"] == {C: 1.0, R: 1.0, P: 0.0}


def test_leave_one_model_out_never_trains_on_the_held_out_model(tmp_path: Path, monkeypatch):
    for model, label in (("a", "1_full_compliance"), ("b", "2_full_refusal"), ("c", "3_partial_refusal")):
        (tmp_path / f"completions_{model}_human_labels.csv").write_text(
            "id,prompt,completion,final_label\n" + "".join(f"{model}{i},p,r{i},{label}\n" for i in range(5)))
    seen: list[tuple[set[str], set[str]]] = []

    def majority(train: pd.DataFrame, test: pd.DataFrame) -> list[str | None]:
        seen.append((set(train["file"]), set(test["file"])))
        return [train["label"].mode()[0]] * len(test)

    import dataclasses
    import sys
    import types

    from stagewise.judges.spec import OFFLINE_KINDS

    module = types.ModuleType("fake_trained_judge")
    module.majority = majority  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_trained_judge", module)
    monkeypatch.setitem(OFFLINE_KINDS, "string-match",
                        dataclasses.replace(OFFLINE_KINDS["string-match"], fit_predict="fake_trained_judge:majority"))
    rows = validate(["string-match"], tmp_path)
    assert [r.model for r in rows] == ["a", "b", "c", "pooled"]
    assert all(not (train & test) and len(train) == 2 for train, test in seen)
    assert rows[-1].n == 15 and rows[-1].accuracy == 0.0  # the held-out model's label is never learnt
    assert "leave-one-model-out" in rows[-1].note


def test_upstream_file_names_are_found(tmp_path: Path):
    (tmp_path / "xstest_v2_completions_gpt4.csv").write_text(
        "id,prompt,completion,final_label\nv2-1,p,Sorry I cannot,2_full_refusal\n")
    rows = validate(["string-match"], tmp_path)
    assert rows[-1].n == 1 and rows[-1].data == ("xstest_v2_completions_gpt4.csv",)


def test_bad_judge_source_is_a_one_line_error(shared_data: Path, capsys):
    assert main(["judges", "validate", "--data", str(shared_data / "xstest"),
                 "--judge", "grader=packaged:no-such-model"]) == 2
    assert main(["judges", "validate", "--data", str(shared_data / "xstest"), "--judge", "grader=nonsense"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("error: --judge grader=") for line in lines)
    assert "unknown packaged model" in lines[0] and "cannot read source" in lines[1]


def test_one_file_leaves_out_the_judges_whose_shipped_weights_learnt_from_it(tmp_path: Path, shared_data: Path,
                                                                          capsys: pytest.CaptureFixture[str]):
    """With one labelled file, a trained judge whose shipped weights saw that file is not measured there
    (agreement with its own training data is no measurement); on another model's file it is."""
    xstest = shared_data / "xstest"
    llama = xstest / "completions_llama2new_human_labels.csv"  # the classifier's and refusal-model's training data
    with pytest.raises(JudgeError, match="shipped weights were trained on completions_llama2new_human_labels.csv"):
        validate(["classifier", "refusal-model"], llama)

    rows = validate(["string-match", "refusal-model"], llama, limit=30)
    assert {r.judge for r in rows} == {"string-match"}
    assert "note: refusal-model not measured on completions_llama2new_human_labels.csv" in capsys.readouterr().err

    # A model none of the weights learnt from (a new file: other completions, same columns): all measured.
    new = load_human_labels(llama).head(30).copy()
    new["response"] = new["response"].str.upper()
    other = tmp_path / "completions_newmodel_human_labels.csv"
    pd.read_csv(llama).head(30).assign(completion=list(new["response"])).to_csv(other, index=False)
    rows = validate(["string-match", "classifier", "refusal-model"], other)
    assert {r.judge for r in rows} == {"string-match", "classifier", "refusal-model"}
    assert all(r.n == 30 for r in rows)
    assert "not measured" not in capsys.readouterr().err
