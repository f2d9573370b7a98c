"""The study file: one YAML that names a ladder of checkpoints, a battery, judges and an output dir.

YAML holds values only; these pydantic models validate them. A study file looks like::

    name: gemma-ladder
    output_dir: runs/gemma-ladder
    ladder:
      - {name: base, stage: base, source: "packaged:gemma3-270m"}
      - {name: sft, stage: sft, source: "hf:runs/ckpt/sft"}
      - {name: prod, stage: production, source: "hub:google/gemma-3-270m-it"}
    benchmarks:
      xstest: {limit: 50}
      harmbench: {}
    judges:
      grader: string-match
    generation: {max_tokens: 256}

Every error names the field and says how to fix it (see `load_study`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stagewise.checkpoints.sources import (  # noqa: F401 (the source kinds, re-exported for study-file users)
    OFFLINE_JUDGE_SOURCES,
    PACKAGED_MODELS,
    SOURCE_FORMS,
    ClassifierSource,
    GGUFSource,
    HFSource,
    HubSource,
    InspectSource,
    OpenAISource,
    PackagedSource,
    RefusalModelSource,
    Source,
    StringMatchSource,
    VLLMSource,
    parse_source,
)
from stagewise.errors import StudyError
from stagewise.judges.guards.catalog import GUARDS
from stagewise.judges.spec import (
    DEFAULT_OFFLINE,
    JudgeSpec,
    JudgeSpecError,
    NamedClassifier,
    OfflineJudge,
    RoleJudge,
    check_applies,
    check_role_name,
)

Stage = Literal["base", "sft", "preference", "rl", "production", "other"]
STAGE_ORDER: tuple[str, ...] = ("base", "sft", "preference", "rl", "production", "other")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def format_source(source: Any) -> str:
    """The one-line string form of a source (what `parse_source` reads back)."""
    kind = source.kind
    if kind in ("hf", "gguf"):
        return f"{kind}:{source.path}"
    if kind == "packaged":
        return f"packaged:{source.name}"
    if kind == "vllm":
        return f"vllm:{source.model}"
    if kind == "hub":
        return f"hub:{source.repo}" + (f"@{source.revision}" if source.revision else "")
    if kind == "openai":
        return f"openai:{source.base_url}#{source.model}"
    if kind == "inspect":
        return str(source.model)
    return str(kind)


class Rung(_Strict):
    """One checkpoint of the ladder."""

    name: str
    stage: Stage
    source: Source
    # Builtin template name (e.g. "gemma") or a path to a Jinja file; base models need one.
    chat_template: str | None = None
    # Passed through to the model provider (dtype, batch_size, device, ...).
    model_args: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", v):
            raise ValueError(f"rung name {v!r} must be letters, digits, '_', '.', '-' (it names a log folder)")
        return v

    @field_validator("source", mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        return parse_source(v)

    @model_validator(mode="after")
    def _not_judge_only(self) -> "Rung":
        if not self.source.is_model:
            raise ValueError(f"'{self.source.kind}' is a judge, not a model: rungs need a model source")
        return self


# Sources a named classifier's weights can come from (it needs raw prompts and, for some, logits).
_CLASSIFIER_SOURCES = ("hub", "hf", "gguf", "packaged", "openai")


class Judge(_Strict):
    """What a judge role is bound to: a model (`source`), an offline judge (`source: string-match`), or a
    named classifier (`classifier: wildguard`, its weights in `source`, default its hub id)."""

    source: Source
    classifier: str | None = None
    chat_template: str | None = None
    model_args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _default_weights(cls, v: Any) -> Any:
        if isinstance(v, dict) and v.get("classifier") in GUARDS and v.get("source") is None:
            return {**v, "source": GUARDS[v["classifier"]].default_source}
        return v

    @field_validator("source", mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        return parse_source(v)

    @field_validator("classifier")
    @classmethod
    def _known_classifier(cls, v: str | None) -> str | None:
        if v is not None and v not in GUARDS:
            raise ValueError(f"unknown classifier {v!r}; valid classifiers: {', '.join(GUARDS) or '(none)'}")
        return v

    @model_validator(mode="after")
    def _weights(self) -> "Judge":
        if self.classifier is not None and self.source.kind not in _CLASSIFIER_SOURCES:
            raise ValueError(f"classifier {self.classifier}: its weights come from "
                             f"{', '.join(k + ':' for k in _CLASSIFIER_SOURCES)}, not {self.source.kind!r}")
        return self

    @property
    def kind(self) -> Literal["offline", "classifier", "model"]:
        if self.classifier is not None:
            return "classifier"
        return "model" if self.source.is_model else "offline"

    def spec(self, role: str) -> JudgeSpec:
        """The typed judge a scorer receives for this role."""
        if self.classifier is not None:
            return NamedClassifier(self.classifier, format_source(self.source))
        if not self.source.is_model:
            return OfflineJudge(self.source.kind)
        return RoleJudge(role)

    def describe(self, role: str) -> dict[str, Any]:
        """What a log records about the judge (`eval.metadata["stagewise_judge"]`)."""
        out: dict[str, Any] = {"role": role, **self.source.model_dump(mode="json")}
        if self.classifier is not None:
            out["classifier"] = self.classifier
        return out


def _judge_value(v: Any) -> Any:
    """A study's short judge forms: `string-match`, `wildguard`, `wildguard=hf:PATH`, `openai/gpt-4o`."""
    if isinstance(v, dict):
        return v if ("source" in v or "classifier" in v) else {"source": v}
    if isinstance(v, str):
        name, sep, weights = v.partition("=")
        if name.strip() in GUARDS:
            return {"classifier": name.strip(), "source": weights.strip() or None} if sep else {"classifier": v}
    return {"source": v}


class Generation(_Strict):
    """Generation settings for the evaluated rungs (greedy by default: reproducible)."""

    max_tokens: int = Field(256, gt=0)
    temperature: float = Field(0.0, ge=0.0)
    top_p: float | None = None
    seed: int = 0
    # Endpoint rungs and judges: seconds one request may take, and retries (with backoff) before
    # the task fails naming the endpoint. They change no output, so a rerun may change them.
    request_timeout: int = Field(120, gt=0)
    max_retries: int = Field(3, ge=0)


class Study(_Strict):
    """A whole study: the ladder, the battery, the judges, and where results go."""

    name: str
    output_dir: Path
    ladder: list[Rung] = Field(min_length=1)
    benchmarks: dict[str, dict[str, Any]] = Field(min_length=1)
    judges: dict[str, Judge] = Field(default_factory=lambda: {"grader": Judge(source=parse_source(DEFAULT_OFFLINE))})
    generation: Generation = Field(default_factory=Generation)
    epochs: int = Field(1, ge=1)
    limit: int | None = Field(None, gt=0, description="samples per benchmark (a benchmark's own `limit` wins)")
    # Local copies of the benchmark data: `<data_dir>/<benchmark>` becomes each task's `data_path`
    # (unset: loaders fetch the pinned upstream files).
    data_dir: Path | None = None
    # Per-metric equivalence margins (absolute, on the metric's scale), read by `compare`.
    margins: dict[str, float] = Field(default_factory=dict)
    # Evaluate the production rung(s) this many times (sampling at `generation.temperature`): the
    # run-to-run differences are the noise ceiling `compare` reports. 0 = off.
    noise_epochs: int = Field(0, ge=0)

    @field_validator("judges", mode="before")
    @classmethod
    def _judge_short(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: _judge_value(j) for k, j in v.items()}
        return v

    @field_validator("judges")
    @classmethod
    def _role_names(cls, v: dict[str, Judge]) -> dict[str, Judge]:
        for role in v:
            try:
                check_role_name(role)
            except JudgeSpecError as e:
                raise ValueError(str(e)) from None
        return v

    @field_validator("benchmarks", mode="before")
    @classmethod
    def _bench_list(cls, v: Any) -> Any:
        # `benchmarks: [xstest, harmbench]` is shorthand for default options.
        if isinstance(v, list):
            return {name: {} for name in v}
        if isinstance(v, dict):
            return {k: (opts or {}) for k, opts in v.items()}
        return v

    @field_validator("benchmarks")
    @classmethod
    def _known(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        # Before any model loads: a misspelt benchmark or option fails here, not as a TypeError later.
        from stagewise.evals import BENCHMARKS

        unknown = sorted(set(v) - set(BENCHMARKS))
        if unknown:
            raise ValueError(f"unknown benchmark {', '.join(unknown)}; available: {', '.join(sorted(BENCHMARKS))}")
        for name, opts in v.items():
            BENCHMARKS[name].check_options(opts)
        return v

    @model_validator(mode="after")
    def _check(self) -> "Study":
        if self.noise_epochs == 1:
            raise ValueError("noise_epochs: 1 measures no noise; use 0 (off) or at least 2")
        if self.noise_epochs and self.generation.temperature == 0:
            raise ValueError(f"noise_epochs: {self.noise_epochs} needs generation.temperature above 0 (greedy "
                             "epochs are identical, so the noise ceiling would be 0); set e.g. temperature: 0.7")
        self._check_judges()
        names = [r.name for r in self.ladder]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"rung names must be unique; repeated: {', '.join(dupes)}")
        return self

    def _check_judges(self) -> None:
        """Every benchmark's judge role is bound, and its judge can judge that benchmark."""
        from stagewise.evals import BENCHMARKS

        for name, opts in self.benchmarks.items():
            role = opts.get("judge", "grader")
            if role is None or name not in BENCHMARKS:
                continue
            if role not in self.judges:  # the runner says so, naming the fix
                continue
            try:
                check_applies(self.judges[role].spec(role), name, BENCHMARKS[name].offline_judges)
            except JudgeSpecError as e:
                raise ValueError(f"judges: {role}: {e}") from None

    def rung(self, name: str) -> Rung:
        for r in self.ladder:
            if r.name == name:
                return r
        raise StudyError(f"no rung named {name!r} in study {self.name!r}; rungs: {', '.join(r.name for r in self.ladder)}")

    @property
    def log_dir(self) -> Path:
        return self.output_dir / "logs"


def load_study(path: str | Path, overrides: list[str] | None = None) -> Study:
    """Read and validate a study file; relative paths resolve against the file's folder.

    Args:
        path: the YAML file.
        overrides: `dotted.key=value` strings applied on top (YAML-parsed values), as on the CLI.

    Raises:
        StudyError: one line saying what is wrong and how to fix it.
    """
    path = Path(path)
    if not path.is_file():
        raise StudyError(f"study file {path} not found; pass the path to a YAML study file (see configs/)")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise StudyError(f"{path}: malformed YAML{where}: {getattr(e, 'problem', e)}; fix the syntax and rerun") from None
    if not isinstance(data, dict):
        raise StudyError(f"{path}: a study file is a YAML mapping with name, output_dir, ladder and benchmarks")
    for item in overrides or []:
        apply_override(data, item)
    data.setdefault("output_dir", f"runs/{data.get('name', path.stem)}")
    study = study_from_dict(data, origin=str(path))
    return _resolve_paths(study, path.parent.resolve())


def study_from_dict(data: dict[str, Any], origin: str = "study") -> Study:
    """Validate a study given as a dict, turning pydantic's report into one clear line."""
    try:
        return Study.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(p) for p in err["loc"] if not str(p).endswith("Source"))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "union_tag_invalid":
            msg = f"unknown source kind; write one of {SOURCE_FORMS}"
        elif err["type"] == "literal_error" and "stage" in loc:
            msg = f"unknown stage {err.get('input')!r}; use one of {', '.join(STAGE_ORDER)}"
        more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
        raise StudyError(f"{origin}: {loc or 'study'}: {msg}{more}") from None


def apply_override(data: dict[str, Any], item: str, *, error: type[Exception] = StudyError) -> None:
    """Apply one `dotted.key=value` override (value parsed as YAML) to a config dict in place.

    Shared by study files and training configs; `error` is the exception type to raise.
    """
    key, sep, raw = item.partition("=")
    if not sep or not key:
        raise error(f"override {item!r} must look like key.sub=value (e.g. benchmarks.xstest.limit=20)")
    node = data
    parts = key.split(".")
    for p in parts[:-1]:
        child = node.get(p)
        if child is None:
            child = node[p] = {}
        elif isinstance(child, list) and all(isinstance(x, str) for x in child):
            child = node[p] = {x: {} for x in child}  # `benchmarks: [a, b]` shorthand
        node = child
        if not isinstance(node, dict):
            raise error(f"override {item!r}: {p} is not a mapping")
    node[parts[-1]] = yaml.safe_load(raw)


def _resolve_paths(study: Study, base: Path) -> Study:
    def fix(p: Path) -> Path:
        return p if p.is_absolute() else (base / p)

    ladder = [r.model_copy(update={"source": r.source.with_paths(fix)}) for r in study.ladder]
    judges = {k: j.model_copy(update={"source": j.source.with_paths(fix)}) for k, j in study.judges.items()}
    update: dict[str, Any] = {"output_dir": fix(study.output_dir), "ladder": ladder, "judges": judges}
    if study.data_dir is not None:
        update["data_dir"] = fix(study.data_dir)
    return study.model_copy(update=update)
