"""The spaCy person-name recogniser, with a real (rule-based) spaCy pipeline saved to disk.

en_core_web_sm is not on PyPI, so these tests build their own pipeline: `spacy.blank("en")`
plus an `entity_ruler` that knows a few people. A name the ruler does not know staying in
the text proves that spaCy, not the heuristic, ran. What this does not measure is how well
a statistical pipeline finds names (`stagewise logs scrub --eval --names spacy` does that).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

spacy = pytest.importorskip("spacy")

from stagewise.cli import main  # noqa: E402
from stagewise.userlogs import _names  # noqa: E402
from stagewise.userlogs._names import NamesError, resolve_names  # noqa: E402
from stagewise.userlogs.ingest import IngestConfig, ResumeError, ingest  # noqa: E402
from stagewise.userlogs.scrub import find_pii, scrub  # noqa: E402
from stagewise.userlogs.scrub_eval import evaluate_scrubber  # noqa: E402

from .conftest import write_jsonl  # noqa: E402

PEOPLE = ["Radek Garcia", "Zofia Nowak", "Baker"]


def _save_pipeline(path: Path, patterns: list[dict], pipe: str = "entity_ruler") -> Path:
    nlp = spacy.blank("en")
    component = nlp.add_pipe(pipe)
    if patterns:
        component.add_patterns(patterns)
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="module")
def pipe(tmp_path_factory) -> Path:
    """A pipeline folder whose entity ruler labels PEOPLE as PERSON and "Acme" as ORG."""
    patterns = [{"label": "PERSON", "pattern": p} for p in PEOPLE] + [{"label": "ORG", "pattern": "Acme"}]
    return _save_pipeline(tmp_path_factory.mktemp("spacy") / "pipe", patterns)


def test_person_entities_become_names_beside_the_structured_placeholders(pipe):
    text = "Our new hire Radek Garcia (radek.garcia@example.com, +44 20 7946 0958) met Zofia Nowak at Acme."
    assert scrub(text, names=f"spacy:{pipe}") == (
        "Our new hire [NAME] ([EMAIL], [PHONE]) met [NAME] at Acme.", {"NAME": 2, "EMAIL": 1, "PHONE": 1})


def test_structured_spans_win_over_an_overlapping_person(pipe):
    # The ruler calls "Baker" a person; the address detector runs first and keeps its span,
    # exactly as with heuristic names.
    text = "send it to 221B Baker Street, London"
    assert [s.kind for s in find_pii(text, names=f"spacy:{pipe}")] == ["ADDRESS"]
    assert scrub(text, names=f"spacy:{pipe}")[0] == "send it to [ADDRESS], London"


def test_a_name_the_pipeline_does_not_know_is_left_alone(pipe):
    text = "My name is Ada Lovelace."
    assert scrub(text, names=f"spacy:{pipe}") == (text, {})
    assert scrub(text, names="heuristic")[0] == "My name is [NAME]."


def test_per_labels_count_as_people(tmp_path):
    # spaCy's non-English pipelines (and xx_ent_wiki_sm) label people PER, not PERSON.
    per = _save_pipeline(tmp_path / "per", [{"label": "PER", "pattern": "Zofia Nowak"}])
    assert scrub("Zofia Nowak schreibt", names=f"spacy:{per}")[0] == "[NAME] schreibt"


def test_the_pipeline_is_loaded_once_per_name(tmp_path, monkeypatch):
    path = _save_pipeline(tmp_path / "once", [{"label": "PERSON", "pattern": "Radek Garcia"}])
    loads = []
    real_load = spacy.load
    monkeypatch.setattr(spacy, "load", lambda *a, **k: loads.append(a[0]) or real_load(*a, **k))
    for _ in range(3):
        assert scrub("Radek Garcia called", names=f"spacy:{path}")[0] == "[NAME] called"
    assert loads == [str(path.resolve())]


def test_auto_is_en_core_web_sm_only_when_installed(monkeypatch):
    monkeypatch.setattr(_names, "spacy_available", lambda model=_names.DEFAULT_SPACY_MODEL: False)
    assert resolve_names("auto") == "heuristic"
    monkeypatch.setattr(_names, "spacy_available", lambda model=_names.DEFAULT_SPACY_MODEL: True)
    assert resolve_names("auto") == resolve_names("spacy") == "spacy:en_core_web_sm"


def test_relative_and_absolute_paths_name_the_same_pipeline(pipe, monkeypatch):
    monkeypatch.chdir(pipe.parent)
    assert resolve_names(f"spacy:./{pipe.name}") == resolve_names(f"spacy:{pipe}") == f"spacy:{pipe.resolve()}"


@pytest.mark.parametrize(("names", "message"), [
    ("spacy:{tmp}/missing", r"no spaCy pipeline folder at .*missing; write one with nlp\.to_disk.*--names heuristic"),
    ("spacy:{tmp}", r"is not a spaCy pipeline folder \(it has no config\.cfg\)"),
    ("spacy:stagewise_no_such_pipeline", r"'stagewise_no_such_pipeline' is not installed .*python -m spacy download "
                                         r"stagewise_no_such_pipeline.*--names heuristic"),
    ("spacy:", r"not a person-name recogniser; use one of: auto, heuristic, off, spacy"),
    ("presidio", r"not a person-name recogniser"),
])
def test_a_pipeline_that_cannot_be_loaded_is_one_clear_error(tmp_path, names, message):
    with pytest.raises(NamesError, match=message) as e:
        scrub("Radek Garcia", names=names.format(tmp=tmp_path))
    assert "\n" not in str(e.value)


def test_the_default_pipeline_missing_says_how_to_install_it():
    if _names.spacy_available():
        pytest.skip("en_core_web_sm is installed here")
    with pytest.raises(NamesError, match=r"'en_core_web_sm' is not installed .*spacy download en_core_web_sm"):
        scrub("x", names="spacy")


def test_spacy_itself_missing_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(_names, "_is_package", lambda name: name != "spacy")
    with pytest.raises(NamesError, match=r"needs spaCy, which is not installed: pip install 'stagewise\[names\]'"):
        _names.load_pipeline.__wrapped__("some_pipeline")


@pytest.mark.parametrize(("pipe_name", "patterns", "message"), [
    ("sentencizer", [], r"has no component that sets entities"),
    ("entity_ruler", [{"label": "ORG", "pattern": "Acme"}], r"labels no people \(its entity labels: \['ORG'\]"),
])
def test_a_pipeline_that_cannot_find_people_is_refused(tmp_path, pipe_name, patterns, message):
    path = _save_pipeline(tmp_path / pipe_name, patterns, pipe=pipe_name)
    with pytest.raises(NamesError, match=message):
        scrub("Radek Garcia", names=f"spacy:{path}")


def test_cli_reports_a_bad_names_value_in_one_line(tmp_path, capsys):
    assert main(["logs", "scrub", "--names", f"spacy:{tmp_path / 'missing'}", "Radek Garcia"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --names spacy:") and "nlp.to_disk" in err[0]
    with pytest.raises(SystemExit) as e:
        main(["logs", "ingest", str(tmp_path), "--out", str(tmp_path / "o"), "--names", "spacey"])
    assert e.value.code == 2
    assert "argument --names: 'spacey' is not a person-name recogniser; use one of:" in capsys.readouterr().err


def _log(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "log.jsonl", [
        {"messages": [{"role": "user", "content": "Radek Garcia asked me to email radek@example.com"},
                      {"role": "assistant", "content": "Tell Zofia Nowak too."}]},
        {"messages": [{"role": "user", "content": "My name is Ada Lovelace, write me a poem"}]},
        {"prompt": "what is the boiling point of water?"},
    ])


def test_ingest_with_a_spacy_pipeline_end_to_end(pipe, tmp_path, capsys):
    log, out = _log(tmp_path), tmp_path / "out"
    assert main(["logs", "ingest", str(log), "--out", str(out), "--names", f"spacy:{pipe}"]) == 0
    assert "personal data replaced: {'EMAIL': 1, 'NAME': 2}" in capsys.readouterr().out
    m = json.loads((out / "manifest.json").read_text())
    assert m["kept"] == 3 and m["personal_data_replaced"] == {"EMAIL": 1, "NAME": 2}
    assert m["names"] == f"spacy:{pipe.resolve()}" and m["config"]["names"] == f"spacy:{pipe}"
    conv = pd.read_parquet(out / "conversations")
    assert conv["prompt"].tolist() == ["[NAME] asked me to email [EMAIL]", "My name is Ada Lovelace, write me a poem",
                                       "what is the boiling point of water?"]
    assert json.loads(conv["turns"][0])[1] == ["assistant", "Tell [NAME] too."]


def test_resume_knows_which_recogniser_ran(pipe, tmp_path, monkeypatch):
    log, out = _log(tmp_path), tmp_path / "out"
    cfg = IngestConfig(inputs=[str(log)], out_dir=out, names=f"spacy:{pipe}", progress=False)
    ingest(cfg)
    before = (out / "manifest.json").read_text()
    monkeypatch.chdir(pipe.parent)  # the same pipeline by a relative path: finished, a no-op
    ingest(IngestConfig(inputs=[str(log)], out_dir=out, names=f"spacy:{pipe.name}", progress=False))
    assert (out / "manifest.json").read_text() == before
    with pytest.raises(ResumeError, match="other inputs or settings"):
        ingest(IngestConfig(inputs=[str(log)], out_dir=out, names="heuristic", progress=False))


def test_ingest_stops_before_any_work_when_the_pipeline_is_missing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(NamesError, match="no spaCy pipeline folder"):
        ingest(IngestConfig(inputs=[str(_log(tmp_path))], out_dir=out, names=f"spacy:{tmp_path / 'nope'}",
                            progress=False))
    assert not out.exists()


def test_the_eval_runs_with_a_spacy_pipeline(pipe, capsys):
    # The toy ruler knows none of the labelled set's names, so NAME recall is near 0 and means
    # nothing; what matters is that the eval path runs and names never cost a structured kind.
    assert main(["logs", "scrub", "--eval", "--names", f"spacy:{pipe}"]) == 0
    assert "structured kinds recall 1.0000" in capsys.readouterr().out
    e = evaluate_scrubber(names=f"spacy:{pipe}")
    assert e.structured_recall >= 0.99
    assert next(k for k in e.kinds if k.kind == "NAME").recall < 0.5
