"""Every source kind answers every operation (`stagewise.checkpoints.sources`, the one place a
kind's behaviour lives). Adding a kind without an example here, or without an answer to an
operation, fails these tests."""

from __future__ import annotations

import inspect as pyinspect
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import TypeAdapter

from stagewise.checkpoints import ResolvedModel, materialize, resolve, sources
from stagewise.checkpoints import _resolve
from stagewise.checkpoints._templates import BUILTIN_TEMPLATES
from stagewise.errors import CheckpointError, StudyError
from stagewise.evals import BENCHMARKS
from stagewise.evaluate.study import study_from_dict

# One one-line form per kind.
EXAMPLES = {
    "hf": "hf:ckpt/sft",
    "hub": "hub:org/model@abc123",
    "gguf": "gguf:models/m.gguf",
    "packaged": "packaged:gemma3-270m",
    "openai": "openai:http://127.0.0.1:9/v1#served",
    "vllm": "vllm:org/model",
    "string-match": "string-match",
    "classifier": "classifier",
    "refusal-model": "refusal-model",
    "inspect": "openai/gpt-4o-mini",
}
KINDS = [t.model_fields["kind"].default for t in sources.SOURCE_TYPES]


def _source(kind: str) -> Any:
    return TypeAdapter(sources.Source).validate_python(sources.parse_source(EXAMPLES[kind]))


def test_every_kind_is_registered_once_and_has_an_example() -> None:
    defined = {c for _, c in pyinspect.getmembers(sources, pyinspect.isclass)
               if issubclass(c, sources.SourceBase) and not pyinspect.isabstract(c) and not c.__name__.startswith("_")}
    assert defined == set(sources.SOURCE_TYPES), "a source class is not in SOURCE_TYPES"
    union = set(get_args(get_args(sources.Source)[0]))
    assert union == set(sources.SOURCE_TYPES)
    assert len(set(KINDS)) == len(KINDS) and set(KINDS) == set(EXAMPLES)
    for t in sources.SOURCE_TYPES:
        assert t.FORM in sources.SOURCE_FORMS and t.USE in get_args(sources.Use)


@pytest.mark.parametrize("kind", KINDS)
def test_parse(kind: str) -> None:
    src = _source(kind)
    assert src.kind == kind
    # Only its own form parses as this kind.
    others = [t for t in sources.SOURCE_TYPES if t.model_fields["kind"].default != kind]
    assert all(t.parse(EXAMPLES[kind]) is None for t in others if t is not sources.InspectSource)


@pytest.mark.parametrize("kind", KINDS)
def test_with_paths(kind: str) -> None:
    src = _source(kind)
    moved = src.with_paths(lambda p: Path("/base") / p)
    assert type(moved) is type(src)
    if "path" in type(src).model_fields:
        assert moved.path == Path("/base") / src.path
    else:
        assert moved == src


@pytest.mark.parametrize("kind", KINDS)
def test_chat_template(kind: str) -> None:
    template = _source(kind).chat_template()
    assert template is None or template in BUILTIN_TEMPLATES
    assert (template is not None) == (kind == "packaged" and EXAMPLES[kind] == "packaged:gemma3-270m")


@pytest.fixture
def weights_helpers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[str, Any]]:
    """The shared work (downloads, conversions, hashing) recorded instead of done."""
    calls: list[tuple[str, Any]] = []

    def record(name: str) -> Any:
        def fn(*args: Any, **kwargs: Any) -> Path:
            calls.append((name, args))
            return tmp_path / name
        return fn

    for helper in ("hf_dir", "hub_snapshot", "gguf_to_hf", "packaged_gguf"):
        monkeypatch.setattr(_resolve, helper, record(helper))

    def weights(path: Path, *, name: str, template: str | None, model_args: Any) -> ResolvedModel:
        calls.append(("resolve_weights", (path, template)))
        return ResolvedModel(model=f"stagewise/{name}", model_args={"path": str(path)}, content_id="x", local_path=path)

    monkeypatch.setattr(_resolve, "resolve_weights", weights)
    return calls


@pytest.mark.parametrize("kind", KINDS)
def test_materialize(kind: str, weights_helpers: list[tuple[str, Any]]) -> None:
    src = _source(kind)
    if src.USE == "weights":
        path = materialize(src)
        assert isinstance(path, Path) and weights_helpers, "a weights kind did no work to materialise"
    else:
        with pytest.raises(CheckpointError, match="no local weights") as e:
            materialize(src)
        assert "\n" not in str(e.value)


@pytest.mark.parametrize("kind", KINDS)
def test_resolve(kind: str, weights_helpers: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    src = _source(kind)
    if src.USE == "offline-judge":
        with pytest.raises(CheckpointError, match=f"r: '{kind}' is an offline judge, not a model"):
            resolve(src, name="r", check=False)
        return
    got = resolve(src, name="r", check=False, model_args={"batch_size": 2})
    assert isinstance(got, ResolvedModel) and got.model
    if src.USE == "weights":
        assert got.model == "stagewise/r" and got.local_path is not None
        assert weights_helpers[-1] == ("resolve_weights", (got.local_path, src.chat_template()))
    else:
        assert got.local_path is None and got.model_args == {"batch_size": 2}


def test_endpoint_content_id_is_its_revision() -> None:
    src = sources.OpenAISource(base_url="http://h/v1", model="m", revision="r1")
    assert resolve(src, name="x", check=False).content_id == "http://h/v1#m@r1"
    assert resolve(src.model_copy(update={"revision": None}), name="x", check=False).content_id is None


@pytest.mark.parametrize("kind", KINDS)
def test_task_judge(kind: str) -> None:
    src = _source(kind)
    offline = {j for b in BENCHMARKS.values() for j in b.offline_judges}
    if src.is_model:
        with pytest.raises(CheckpointError, match="is a model, not an offline judge"):
            src.task_judge()
    else:
        judge = src.task_judge()
        assert judge is None or judge in offline, f"no benchmark takes the offline judge {judge!r}"


@pytest.mark.parametrize("kind", KINDS)
def test_rung_and_judge(kind: str) -> None:
    study: dict[str, Any] = {
        "name": "s", "output_dir": "o", "benchmarks": ["xstest"],
        "ladder": [{"name": "r", "stage": "base", "source": EXAMPLES[kind]}],
        "judges": {"grader": EXAMPLES[kind]},
    }
    src = _source(kind)
    if src.is_model:
        got = study_from_dict(study)
        assert got.ladder[0].source == src and got.judges["grader"].source == src
    else:
        with pytest.raises(StudyError, match=f"'{kind}' is a judge, not a model"):
            study_from_dict(study)
        study["ladder"][0]["source"] = "packaged:gemma3-270m"
        assert study_from_dict(study).judges["grader"].source == src


def test_no_kind_is_dispatched_outside_its_class() -> None:
    # `isinstance(source, HFSource)` elsewhere would be a second place a kind's behaviour lives.
    import ast

    names = {t.__name__ for t in sources.SOURCE_TYPES} | {"OFFLINE_JUDGE_SOURCES", "WEIGHTS_SOURCES", "SOURCE_TYPES"}
    root = Path(sources.__file__).resolve().parents[1]
    found = []
    for path in sorted(root.rglob("*.py")):
        if path == Path(sources.__file__).resolve():
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("isinstance", "issubclass"):
                used = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)} if len(node.args) > 1 else set()
                if used & names:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    assert not found, f"source kinds dispatched outside checkpoints/sources.py: {found}"


def test_offline_source_kinds_are_the_registered_offline_judges() -> None:
    # A study's `grader: KIND` and a scorer's `judge=KIND` must know the same offline judges.
    from stagewise.judges.spec import OFFLINE_KINDS

    assert {t.model_fields["kind"].default for t in sources.OFFLINE_JUDGE_SOURCES} == set(OFFLINE_KINDS)
