"""The study file: shorthand sources, validation, overrides, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagewise.errors import StudyError
from stagewise.evaluate.study import (
    GGUFSource,
    HFSource,
    HubSource,
    InspectSource,
    OpenAISource,
    PackagedSource,
    RefusalModelSource,
    StringMatchSource,
    load_study,
    parse_source,
)

GOOD = """
name: t
ladder:
  - {name: base, stage: base, source: "packaged:gemma3-270m", chat_template: gemma}
  - {name: sft, stage: sft, source: "hf:ckpt/sft"}
  - {name: prod, stage: production, source: "hub:google/gemma-3-270m-it@abc123"}
benchmarks: [xstest, harmbench]
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "study.yaml"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hf:/x/y", HFSource(path=Path("/x/y"))),
        ("gguf:m.gguf", GGUFSource(path=Path("m.gguf"))),
        ("packaged:smollm2-135m-instruct", PackagedSource(name="smollm2-135m-instruct")),
        ("hub:org/name", HubSource(repo="org/name")),
        ("hub:org/name@v1", HubSource(repo="org/name", revision="v1")),
        ("openai:http://localhost:8000/v1#my-model", OpenAISource(base_url="http://localhost:8000/v1", model="my-model")),
        ("openai/gpt-4o-mini", InspectSource(model="openai/gpt-4o-mini")),
        ("string-match", StringMatchSource()),
    ],
)
def test_source_shorthands(text: str, expected: object) -> None:
    from pydantic import TypeAdapter

    from stagewise.evaluate.study import Source

    assert TypeAdapter(Source).validate_python(parse_source(text)) == expected


def test_good_study_resolves_relative_paths(tmp_path: Path) -> None:
    study = load_study(write(tmp_path, GOOD))
    assert [r.stage for r in study.ladder] == ["base", "sft", "production"]
    assert study.ladder[1].source.path == tmp_path.resolve() / "ckpt" / "sft"
    assert study.output_dir == tmp_path.resolve() / "runs" / "t"
    assert set(study.benchmarks) == {"xstest", "harmbench"}
    assert isinstance(study.judges["grader"].source, RefusalModelSource)  # the default offline judge


def test_overrides(tmp_path: Path) -> None:
    study = load_study(write(tmp_path, GOOD), ["benchmarks.xstest.limit=7", "generation.max_tokens=16",
                                               "judges.grader=openai/gpt-4o-mini"])
    assert study.benchmarks["xstest"] == {"limit": 7}
    assert study.generation.max_tokens == 16
    assert study.judges["grader"].source == InspectSource(model="openai/gpt-4o-mini")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: t\nladder: [\n", "malformed YAML at line"),
        (GOOD.replace("stage: sft", "stage: finetune"), "unknown stage 'finetune'"),
        (GOOD.replace("[xstest, harmbench]", "[xstest, nope]"), "unknown benchmark nope"),
        (GOOD.replace("name: sft", "name: base"), "rung names must be unique; repeated: base"),
        (GOOD.replace('"hf:ckpt/sft"', '"ftp:thing"'), "cannot read source 'ftp:thing'"),
        (GOOD.replace('"packaged:gemma3-270m"', '"packaged:llama"'), "unknown packaged model 'llama'"),
        (GOOD.replace('"hf:ckpt/sft"', "string-match"), "'string-match' is a judge, not a model"),
        ("- just\n- a list\n", "a study file is a YAML mapping"),
    ],
)
def test_bad_study_one_line_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(StudyError) as err:
        load_study(write(tmp_path, text))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file_and_bad_override(tmp_path: Path) -> None:
    with pytest.raises(StudyError, match="not found"):
        load_study(tmp_path / "nope.yaml")
    with pytest.raises(StudyError, match="must look like key.sub=value"):
        load_study(write(tmp_path, GOOD), ["generation"])
