"""What a judge is, parsed in one place: an offline kind, a named classifier, or a model role.

Three kinds of judge reach a scorer's `judge` argument (`-T judge=...`, or what `stagewise run`
passes from the study's `judges:`):

- `OfflineJudge`: no model at all: `refusal-model` (what `judge=None` means, `DEFAULT_OFFLINE`),
  `string-match` or `classifier`.
  Every offline kind is registered in `OFFLINE_KINDS` below, and nowhere else.
- `NamedClassifier`: one of the field's safety classifiers (`wildguard`, `llama-guard-3-8b`, ...,
  see `stagewise.judges.guards.catalog`), run with its published prompt format and parsing;
  `NAME=SOURCE` takes its weights from any study source string (default: its hub id).
- `RoleJudge`: an LLM judge bound to an Inspect model role (`grader`), prompted with the
  benchmark's rubric.

A role may not be named like an offline kind or a classifier (`check_role_name`), so a role
called `classifier` can never silently become the offline judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from stagewise.errors import StagewiseError
from stagewise.judges.guards.catalog import GUARDS


class JudgeSpecError(StagewiseError):
    """A judge name that is unknown, ambiguous, or not usable where it is given."""


@dataclass(frozen=True)
class OfflineKind:
    """An offline refusal judge. Functions are "module:function" strings, imported when used:

    - `label`: `(response, prompt) -> RefusalLabel`, one response (the scorers call it);
    - `batch`: `(responses, prompts) -> labels`, many at once (`judges validate`; default: `label`
      in a loop);
    - `fit_predict`: `(train_rows, test_rows) -> labels` for a judge that learns from human
      labels: `judges validate` then measures it leave-one-model-out, never on its training data.
    """

    name: str
    label: str
    sees_partial: bool  # can it answer `partial_refusal`?
    description: str
    batch: str = ""
    fit_predict: str = ""
    trained_on: str = ""  # "module:function" -> SHA-256s of the labelled files its shipped weights learnt from
    extra: str = ""  # the pip extra it needs beyond the light core (`stagewise._extras`), "" for none

    def require(self) -> None:
        """Fail in one line when this judge's extra is not installed (checked before any model loads).

        Raises:
            MissingExtra: names the extra, the pip command, and string-match as the judge that needs nothing.
        """
        from stagewise import _extras
        from stagewise.errors import MissingExtra

        if self.extra and _extras.missing(self.extra):
            which = f"the default judge {self.name}" if self.name == DEFAULT_OFFLINE else f"the {self.name} judge"
            raise MissingExtra(f"{_extras.message(which, self.extra)} (or judge with string-match, which needs none)")

    @property
    def available(self) -> bool:
        """Whether its extra is installed."""
        from stagewise import _extras

        return not self.extra or not _extras.missing(self.extra)


# The one registry of offline judges. A new one is one entry here plus its module.
OFFLINE_KINDS: dict[str, OfflineKind] = {k.name: k for k in (
    OfflineKind("string-match", "stagewise.judges.refusal:string_match_label", False,
                "refusal phrases at the start of the response (XSTest's baseline)"),
    OfflineKind("classifier", "stagewise.judges.classifier:classifier_label", True,
                "MiniLM embeddings + logistic regression (docs/judges.md)",
                batch="stagewise.judges.classifier:classify_refusal",
                fit_predict="stagewise.judges.classifier:fit_predict",
                trained_on="stagewise.judges.classifier:trained_on", extra="embed"),
    OfflineKind("refusal-model", "stagewise.judges.refusal_model:refusal_model_label", True,
                "structural features + MiniLM opening (regression), averaged with a fine-tuned MiniLM encoder; "
                "3 classes (docs/judges.md)",
                batch="stagewise.judges.refusal_model:classify",
                fit_predict="stagewise.judges.refusal_model:fit_predict",
                trained_on="stagewise.judges.refusal_model:trained_on", extra="embed"),
)}

# What `judge=None` means for the refusal benchmarks: the one switch of the default offline judge
# (docs/judges.md: it beats string-match leave-one-model-out on XSTest's human labels).
DEFAULT_OFFLINE = "refusal-model"


@dataclass(frozen=True)
class OfflineJudge:
    """A judge that needs no model."""

    kind: str

    @property
    def name(self) -> str:
        return self.kind

    @property
    def info(self) -> OfflineKind:
        return OFFLINE_KINDS[self.kind]


@dataclass(frozen=True)
class NamedClassifier:
    """A published safety classifier with its own prompt format; `source` holds its weights."""

    name: str
    source: str  # a study source string: hub:ORG/NAME, hf:PATH, gguf:PATH, packaged:NAME, openai:URL#MODEL

    @property
    def is_default_source(self) -> bool:
        return self.source == GUARDS[self.name].default_source


@dataclass(frozen=True)
class RoleJudge:
    """An LLM judge: the model bound to an Inspect model role, prompted with the benchmark's rubric."""

    role: str

    @property
    def name(self) -> str:
        return self.role


JudgeSpec = Union[OfflineJudge, NamedClassifier, RoleJudge]

_ROLE = re.compile(r"[A-Za-z_][\w.-]*")


def valid_names() -> str:
    """The judge names a user can write, for error messages."""
    return ", ".join([*OFFLINE_KINDS, *GUARDS])


def parse_judge(value: str | None) -> JudgeSpec:
    """Read a scorer's `judge` argument.

    `None` (or empty) is the default offline judge (`DEFAULT_OFFLINE`); an offline kind's name is that kind; `NAME` or
    `NAME=SOURCE` with NAME a named classifier is that classifier; any other identifier is an
    Inspect model role.

    Raises:
        JudgeSpecError: a value that is none of these, in one line naming the valid ones.
    """
    if value is None or value == "":
        return OfflineJudge(DEFAULT_OFFLINE)
    if not isinstance(value, str):
        raise JudgeSpecError(f"judge {value!r} must be a string: {valid_names()} or an Inspect model role")
    value = value.strip()
    if value in OFFLINE_KINDS:
        return OfflineJudge(value)
    name, sep, source = value.partition("=")
    name = name.strip()
    if name in GUARDS:
        return named_classifier(name, source.strip() if sep else None)
    if sep:
        if name in OFFLINE_KINDS:
            raise JudgeSpecError(f"judge {value!r}: the offline judge {name!r} takes no source; write just {name}")
        raise JudgeSpecError(f"judge {value!r}: unknown classifier {name!r}; NAME=SOURCE takes one of "
                             f"{', '.join(GUARDS)} (bind a model role with --model-role ROLE=MODEL instead)")
    if not _ROLE.fullmatch(value):
        raise JudgeSpecError(f"judge {value!r} is not a judge name; use one of {valid_names()} or an Inspect "
                             "model role (letters, digits, '_', '-')")
    return RoleJudge(value)


def named_classifier(name: str, source: str | None = None) -> NamedClassifier:
    """The named classifier `name` with weights from `source` (default: its hub id)."""
    if name not in GUARDS:
        raise JudgeSpecError(f"unknown classifier {name!r}; valid classifiers: {', '.join(GUARDS)}")
    if source is not None and not source:
        raise JudgeSpecError(f"classifier {name}=: empty source; write {name} (its hub weights) or {name}=SOURCE")
    return NamedClassifier(name, source or GUARDS[name].default_source)


def judge_arg(spec: JudgeSpec) -> str | None:
    """The scorer argument that `parse_judge` reads back as `spec` (None = the default offline judge)."""
    if isinstance(spec, OfflineJudge):
        return None if spec.kind == DEFAULT_OFFLINE else spec.kind
    if isinstance(spec, NamedClassifier):
        return spec.name if spec.is_default_source else f"{spec.name}={spec.source}"
    return spec.role


def parse_flag(value: str) -> tuple[JudgeSpec, str | None]:
    """One `--judge` flag of `stagewise judges validate`.

    `NAME` is an offline kind, a named classifier (its hub weights) or a role the study binds;
    `CLASSIFIER=SOURCE` is a named classifier with its weights from SOURCE; `ROLE=SOURCE` binds a
    model (any study source string) to ROLE, and `ROLE=OFFLINE_KIND` / `ROLE=CLASSIFIER` name
    that judge. Returns the judge and, for a model bound to a role, its source string.

    Raises:
        JudgeSpecError: an empty part, a source given to an offline kind, or a reserved role name.
    """
    name, sep, source = (x.strip() for x in value.partition("="))
    if not sep:
        return parse_judge(name), None
    if name in GUARDS:
        return named_classifier(name, source), None
    if not name or not source:
        raise JudgeSpecError(f"--judge {value!r} must be NAME or ROLE=SOURCE, e.g. classifier, wildguard=hf:PATH "
                             "or grader=packaged:smollm2-135m-instruct")
    if name in OFFLINE_KINDS:
        raise JudgeSpecError(f"--judge {value!r}: the offline judge {name!r} takes no source; write --judge {name}")
    check_role_name(name)
    head, hsep, weights = (x.strip() for x in source.partition("="))
    if source in OFFLINE_KINDS:
        return OfflineJudge(source), None
    if head in GUARDS:
        return named_classifier(head, weights if hsep else None), None
    return RoleJudge(name), source


def check_role_name(role: str) -> None:
    """A model role may not be named like an offline kind or a classifier (it would be read as one).

    Raises:
        JudgeSpecError: the role's name is reserved.
    """
    if role in OFFLINE_KINDS:
        raise JudgeSpecError(f"judge role {role!r} is named like the offline judge {role!r}; rename the role "
                             "(e.g. grader), or bind a role to it: `grader: " + role + "`")
    if role in GUARDS:
        raise JudgeSpecError(f"judge role {role!r} is named like the classifier {role!r}; rename the role "
                             f"(e.g. grader), or bind a role to it: `grader: {role}`")
    if not _ROLE.fullmatch(role):
        raise JudgeSpecError(f"judge role {role!r} must be letters, digits, '_' or '-' (e.g. grader)")


def check_applies(spec: JudgeSpec, benchmark: str, offline_kinds: tuple[str, ...]) -> None:
    """Fail, in one line, when `benchmark` cannot be judged by `spec`.

    Args:
        spec: the judge.
        benchmark: the benchmark's name.
        offline_kinds: the offline kinds its scorer understands besides the default; string-match is
            accepted by every benchmark (one without offline kinds gets `judge=None`, its own offline way).
    """
    if isinstance(spec, OfflineJudge):
        valid = tuple(dict.fromkeys((DEFAULT_OFFLINE, "string-match", *offline_kinds)))
        if spec.kind not in valid:
            raise JudgeSpecError(f"benchmark {benchmark} cannot be judged by the offline '{spec.kind}' judge; "
                                 f"use {', '.join(valid)}, a classifier made for it, or a model")
        if offline_kinds:  # the benchmark runs this kind (without offline kinds it has its own offline way)
            spec.info.require()
    elif isinstance(spec, NamedClassifier):
        info = GUARDS[spec.name]
        if benchmark not in info.benchmarks:
            made_for = [g.name for g in GUARDS.values() if benchmark in g.benchmarks]
            alt = f"classifiers for {benchmark}: {', '.join(made_for)}" if made_for else \
                f"no named classifier judges {benchmark}"
            raise JudgeSpecError(f"benchmark {benchmark} cannot be judged by {spec.name} (it judges "
                                 f"{', '.join(info.benchmarks)}); {alt}")
