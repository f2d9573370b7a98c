"""Training configs: stagewise keys (base, template, mixture, LoRA, output) plus a `trl:` section
whose keys go verbatim to TRL's own `SFTConfig` / `DPOConfig`.

A config file looks like::

    base: packaged:gemma3-270m
    chat_template: gemma
    output_dir: runs/ckpt/sft
    lora: {r: 16, alpha: 32, target_modules: all-linear}
    mixture:
      seed: 0
      safety_share: 0.4
      sources:
        - {path: bundled:sft_helpful.jsonl}
        - {path: bundled:sft_refusals.jsonl, safety: true}
    trl: {learning_rate: 1.0e-3, max_steps: 40, per_device_train_batch_size: 8, max_length: 128}

YAML -> `key.sub=value` overrides -> `TrainConfig` (validated) -> TRL config (validated by TRL).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stagewise.checkpoints.sources import WEIGHTS_SOURCES, WeightsSource, parse_source
from stagewise.evaluate.study import apply_override
from stagewise.train.errors import TrainError

StageName = Literal["sft", "dpo"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoraSpec(_Strict):
    """LoRA adapter settings; the adapter is merged into a standalone checkpoint at the end."""

    r: int = Field(16, gt=0)
    alpha: int = Field(32, gt=0)
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    target_modules: list[str] | str = "all-linear"


class DataSource(_Strict):
    """One source of a mixture: a local JSONL/Parquet file, a bundled file, or a hub dataset.

    `weight` is a relative share of the mixture; `count` is an exact number of rows. Neither:
    every row of the source is used (weight 1 when others carry weights).
    """

    name: str | None = None
    path: str | None = None  # local .jsonl/.parquet, or `bundled:NAME` (stagewise/data)
    hub: str | None = None  # a dataset id on the Hugging Face hub, loaded with `datasets`
    split: str = "train"
    revision: str | None = None
    weight: float | None = Field(None, gt=0)
    count: int | None = Field(None, gt=0)
    safety: bool = False  # counts toward the mixture's `safety_share`

    @model_validator(mode="after")
    def _one_origin(self) -> "DataSource":
        if (self.path is None) == (self.hub is None):
            raise ValueError("a mixture source needs exactly one of `path` (local or bundled:NAME) or `hub`")
        if self.weight is not None and self.count is not None:
            raise ValueError("give a source either `weight` or `count`, not both")
        return self

    @property
    def label(self) -> str:
        return self.name or self.path or f"hub:{self.hub}"


class SwapSelect(_Strict):
    """Which rows the teacher swap may touch: by tag, by a regex on the last user turn, or by the
    string-match refusal classifier applied to the current response."""

    tag: str | None = None
    regex: str | None = None
    classifier: Literal["refusal", "compliance"] | None = None

    @model_validator(mode="after")
    def _some(self) -> "SwapSelect":
        if self.tag is None and self.regex is None and self.classifier is None:
            raise ValueError("teacher_swap.select needs at least one of tag, regex, classifier")
        return self


class TeacherSwap(_Strict):
    """Replace the final assistant response on a selected subset of prompts with a teacher's.

    The teacher is a JSONL file of `{prompt, response}` rows (matched on the last user turn) or a
    local model (`model:` a source string) that generates the responses greedily.
    """

    select: SwapSelect
    share: float | None = Field(None, gt=0, le=1)  # of the whole mixture
    count: int | None = Field(None, gt=0)
    responses: str | None = None
    model: str | None = None
    chat_template: str | None = None
    max_new_tokens: int = Field(96, gt=0)
    seed: int = 0

    @model_validator(mode="after")
    def _teacher(self) -> "TeacherSwap":
        if (self.responses is None) == (self.model is None):
            raise ValueError("teacher_swap needs exactly one of `responses` (a JSONL file) or `model` (a source)")
        if self.share is not None and self.count is not None:
            raise ValueError("give teacher_swap either `share` or `count`, not both")
        return self


class Mixture(_Strict):
    """Sources with weights or counts, sampled deterministically by `seed`."""

    sources: list[DataSource] = Field(min_length=1)
    total: int | None = Field(None, gt=0)  # rows in the mixture; default: as many as the weights allow
    safety_share: float | None = Field(None, ge=0, le=1)
    seed: int = 0
    teacher_swap: TeacherSwap | None = None


class TrainConfig(_Strict):
    """A whole training stage: what to start from, on what data, how, and where to write."""

    stage: StageName
    base: WeightsSource
    output_dir: Path
    mixture: Mixture
    chat_template: str | None = None  # builtin name or a .jinja path; default: the base's own
    lora: LoraSpec | None = None  # None: full fine-tuning
    skip_invalid: bool = False  # drop (and count) bad rows instead of stopping
    trl: dict[str, Any] = Field(default_factory=dict)

    @field_validator("base", mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        out = parse_source(v)
        kinds = {t.model_fields["kind"].default for t in WEIGHTS_SOURCES}
        if isinstance(out, dict) and out.get("kind") not in kinds:
            forms = [t.FORM for t in WEIGHTS_SOURCES]
            raise ValueError(f"base must be local weights: {', '.join(forms[:-1])} or {forms[-1]}")
        return out

    @field_validator("trl")
    @classmethod
    def _no_output(cls, v: dict[str, Any]) -> dict[str, Any]:
        if "output_dir" in v:
            raise ValueError("set output_dir at the top level, not under trl: (stagewise trains into OUTPUT.partial)")
        return v


def load_train_config(path: str | Path, stage: StageName, overrides: list[str] | None = None) -> TrainConfig:
    """Read a training YAML, apply `key.sub=value` overrides, validate.

    Relative paths (output_dir, `hf:`/`gguf:` bases, data files) resolve against the file's folder.

    Raises:
        TrainError: one line naming the bad field and how to fix it.
    """
    path = Path(path)
    if not path.is_file():
        raise TrainError(f"config {path} not found; pass a training YAML (see configs/train/)")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        raise TrainError(f"{path}: malformed YAML: {getattr(e, 'problem', e)}; fix the syntax") from None
    if not isinstance(data, dict):
        raise TrainError(f"{path}: a training config is a YAML mapping (base, output_dir, mixture, trl)")
    if data.setdefault("stage", stage) != stage:
        raise TrainError(f"{path} is a {data['stage']!r} config; run `stagewise train {data['stage']}`")
    for item in overrides or []:
        apply_override(data, item, error=TrainError)
    return config_from_dict(data, origin=str(path), root=path.parent.resolve())


def config_from_dict(data: dict[str, Any], origin: str = "config", root: Path | None = None) -> TrainConfig:
    """Validate a config dict; relative paths resolve against `root` (default: the working dir)."""
    try:
        cfg = TrainConfig.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(p) for p in err["loc"] if not str(p).endswith("Source"))
        more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
        raise TrainError(f"{origin}: {loc or 'config'}: {err['msg'].removeprefix('Value error, ')}{more}") from None
    return _resolve_paths(cfg, root or Path.cwd())


def _resolve_paths(cfg: TrainConfig, root: Path) -> TrainConfig:
    def fix(p: str | Path | None) -> Any:
        if p is None or str(p).startswith("bundled:") or Path(p).is_absolute():
            return p
        fixed = Path(os.path.normpath(root / p))
        return str(fixed) if isinstance(p, str) else fixed

    base = cfg.base.with_paths(fix)
    sources = [s.model_copy(update={"path": fix(s.path)}) for s in cfg.mixture.sources]
    swap = cfg.mixture.teacher_swap
    if swap is not None and swap.responses is not None:
        swap = swap.model_copy(update={"responses": fix(swap.responses)})
    if swap is not None and swap.model is not None and re.match(r"(hf|gguf):", swap.model):
        kind, _, rest = swap.model.partition(":")
        swap = swap.model_copy(update={"model": f"{kind}:{fix(rest)}"})
    template = cfg.chat_template
    if template is not None and ("/" in template or template.endswith(".jinja")):
        template = fix(template)
    mixture = cfg.mixture.model_copy(update={"sources": sources, "teacher_swap": swap})
    return cfg.model_copy(
        update={"base": base, "output_dir": fix(cfg.output_dir), "mixture": mixture, "chat_template": template}
    )
