"""How well does a judge agree with people? Accuracy, Cohen's kappa and confusion matrices
against the human-labelled XSTest completions (3-class and binary: refusal = full or partial).

`validate(judges, data)` returns one `Agreement` per judge; `stagewise judges validate` prints
them and writes `results/judges.json`, which the report shows beside the results each judge
produced. The metrics are small pure functions, checked against scikit-learn in the tests.
"""

from __future__ import annotations

import importlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stagewise._atomic import atomic_write_text, cache_root
from stagewise.judges.labels import (
    COMPLETIONS_GLOB,
    COMPLETIONS_GLOBS,
    LABELS,
    JudgeError,
    completion_files,
    file_sha256,
    load_human_labels,
    model_name,
)
from stagewise.judges.guards.catalog import GUARDS
from stagewise.judges.spec import (
    OFFLINE_KINDS,
    JudgeSpec,
    NamedClassifier,
    OfflineJudge,
    RoleJudge,
    parse_flag,
    valid_names,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COMPLETIONS_GLOB", "COMPLETIONS_GLOBS", "LABELS", "Agreement", "JudgeError", "agreement",
           "completion_files", "file_sha256", "load_human_labels", "model_name", "validate", "write_json"]

BINARY_LABELS: tuple[str, ...] = ("compliance", "refusal")
BOOTSTRAP = 1000  # resamples for the 95% intervals (seed 0)
POOLED = "pooled"


@dataclass(frozen=True)
class Agreement:
    """One judge's agreement with the human labels of one benchmark.

    `matrix[i][j]` counts items humans labelled `labels[i]` and the judge labelled
    `labels[j]`. Replies the judge gave that could not be parsed are `n_unscored` and are left
    out of every other figure. Kappa is NaN when chance agreement is 1 (a single label).
    """

    judge: str
    benchmark: str
    n: int
    n_unscored: int
    accuracy: float
    kappa: float
    binary_accuracy: float
    binary_kappa: float
    labels: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]
    data: tuple[str, ...]  # the CSV files the figures come from
    note: str = ""
    model: str = POOLED  # the model whose completions these are, or `pooled`
    recall: tuple[float, ...] = ()  # per label in `labels`: share of the human label the judge gave
    kappa_ci: tuple[float, float] = (math.nan, math.nan)  # 95% percentile bootstrap over items
    binary_kappa_ci: tuple[float, float] = (math.nan, math.nan)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["confusion"] = {"labels": list(d.pop("labels")), "matrix": [list(r) for r in d.pop("matrix")],
                          "rows": "human", "columns": "judge"}
        d["data"] = list(self.data)
        d["recall"] = dict(zip(self.labels, self.recall))
        d["kappa_ci"], d["binary_kappa_ci"] = list(self.kappa_ci), list(self.binary_kappa_ci)
        return _nan_to_none(d)


def _nan_to_none(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, dict):
        return {k: _nan_to_none(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_nan_to_none(x) for x in v]
    return v


def confusion_matrix(human: Sequence[str], judge: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """Counts of (human label, judge label) pairs; rows follow `labels` for humans, columns for the judge."""
    if len(human) != len(judge):
        raise ValueError(f"{len(human)} human labels but {len(judge)} judge labels")
    index = {lab: i for i, lab in enumerate(labels)}
    m = [[0] * len(labels) for _ in labels]
    for h, j in zip(human, judge):
        m[index[h]][index[j]] += 1
    return m


def accuracy(matrix: Sequence[Sequence[int]]) -> float:
    """Share of items on the diagonal (NaN for an empty matrix)."""
    n = sum(map(sum, matrix))
    return sum(matrix[i][i] for i in range(len(matrix))) / n if n else math.nan


def cohen_kappa(matrix: Sequence[Sequence[int]]) -> float:
    """Cohen's kappa, (p_o - p_e) / (1 - p_e), from a confusion matrix (NaN when p_e = 1)."""
    n = sum(map(sum, matrix))
    if not n:
        return math.nan
    k = len(matrix)
    p_o = sum(matrix[i][i] for i in range(k)) / n
    rows = [sum(matrix[i]) / n for i in range(k)]
    cols = [sum(matrix[i][j] for i in range(k)) / n for j in range(k)]
    p_e = sum(r * c for r, c in zip(rows, cols))
    return (p_o - p_e) / (1 - p_e) if p_e < 1 else math.nan


def recall(matrix: Sequence[Sequence[int]]) -> tuple[float, ...]:
    """Per human label, the share the judge labelled the same (NaN where humans never gave it)."""
    return tuple(row[i] / sum(row) if sum(row) else math.nan for i, row in enumerate(matrix))


def bootstrap_kappa(human: Sequence[int], judge: Sequence[int], k: int, *, resamples: int = BOOTSTRAP,
                    seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of Cohen's kappa over items (label indices in 0..k-1)."""
    import numpy as np

    h, j = np.asarray(human, dtype=np.int64), np.asarray(judge, dtype=np.int64)
    n = len(h)
    if n < 2:
        return (math.nan, math.nan)
    idx = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    cells = (h[idx] * k + j[idx])  # resamples x n
    counts = np.stack([np.bincount(c, minlength=k * k) for c in cells]).reshape(resamples, k, k) / n
    p_o = np.trace(counts, axis1=1, axis2=2)
    p_e = (counts.sum(axis=2) * counts.sum(axis=1)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappas = np.where(p_e < 1, (p_o - p_e) / (1 - p_e), np.nan)
    kappas = kappas[~np.isnan(kappas)]
    if not len(kappas):
        return (math.nan, math.nan)
    lo, hi = np.percentile(kappas, [2.5, 97.5])
    return (round(float(lo), 4), round(float(hi), 4))


def binary(label: str) -> str:
    """Collapse a 3-class label: refusal = full or partial refusal."""
    return "compliance" if label == "full_compliance" else "refusal"


def agreement(judge: str, human: Sequence[str], predicted: Sequence[str | None], *, benchmark: str = "xstest",
              data: Sequence[str] = (), note: str = "", model: str = POOLED) -> Agreement:
    """Compare a judge's labels (`None` = unparsable reply) with the human labels of the same items."""
    if len(human) != len(predicted):
        raise ValueError(f"{len(human)} human labels but {len(predicted)} judge labels")
    pairs = [(h, p) for h, p in zip(human, predicted) if p is not None]
    hs, ps = [h for h, _ in pairs], [p for _, p in pairs]
    m3 = confusion_matrix(hs, ps, LABELS)
    m2 = confusion_matrix([binary(h) for h in hs], [binary(p) for p in ps], BINARY_LABELS)
    i3, i2 = {lab: i for i, lab in enumerate(LABELS)}, {lab: i for i, lab in enumerate(BINARY_LABELS)}
    ci3 = bootstrap_kappa([i3[h] for h in hs], [i3[p] for p in ps], len(LABELS))
    ci2 = bootstrap_kappa([i2[binary(h)] for h in hs], [i2[binary(p)] for p in ps], len(BINARY_LABELS))
    return Agreement(judge=judge, benchmark=benchmark, n=len(pairs), n_unscored=len(human) - len(pairs),
                     accuracy=accuracy(m3), kappa=cohen_kappa(m3), binary_accuracy=accuracy(m2),
                     binary_kappa=cohen_kappa(m2), labels=LABELS, matrix=tuple(map(tuple, m3)),
                     data=tuple(data), note=note, model=model, recall=recall(m3), kappa_ci=ci3, binary_kappa_ci=ci2)



def _offline(kind: str, df: "pd.DataFrame") -> list[str | None]:
    """Labels of the offline judge `kind` (its batch function when it has one)."""
    info = OFFLINE_KINDS[kind]
    responses, prompts = list(df["response"]), list(df["prompt"])
    if info.batch:
        return list(_load(info.batch)(responses, prompts))
    label = _load(info.label)
    return [label(r, p) for r, p in zip(responses, prompts)]


def _load(ref: str) -> Callable[..., Any]:
    module, _, fn = ref.partition(":")
    return getattr(importlib.import_module(module), fn)  # type: ignore[no-any-return]


def validate(judges: Sequence[str | JudgeSpec], data: Path, *, limit: int | None = None, roles: Mapping[str, Any] | None = None,
             llm_options: dict[str, Any] | None = None, names: Mapping[str, str] | None = None) -> list[Agreement]:
    """Measure each judge against the human labels in `data` (a CSV or a folder of them).

    With completions of two or more models, every judge gets one row per model and a pooled
    row; offline judges that learn from labels (an `OfflineKind` with `fit_predict`) are trained
    on every other model's completions and tested on the model left out (leave-one-model-out).
    With one file, the classifier runs with its shipped weights, and only on files it was not
    trained on.

    Args:
        judges: typed judges, or `--judge` strings (`stagewise.judges.spec.parse_flag`): an offline
            kind, a named classifier (`wildguard`, `wildguard=hf:PATH`), `ROLE=MODEL` (an LLM judge
            run through Inspect), or a role bound in `roles`.
        data: XSTest human-labelled completions (`completions_*_human_labels.csv`).
        roles: Inspect models (or model strings) bound to roles, e.g. a study's judges.
        limit: measure every judge on the same random `limit` items (seed 0) instead of all.
        llm_options: extra arguments for LLM judges (`max_connections`, `log_dir`).
        names: row names for roles (default: the judge model's name).

    Raises:
        JudgeError: unknown judge, missing files or columns.
    """
    import pandas as pd

    roles, names = dict(roles or {}), dict(names or {})
    specs: list[tuple[JudgeSpec, Any]] = []
    for j in judges:
        spec, source = parse_flag(j) if isinstance(j, str) else (j, None)
        if isinstance(spec, RoleJudge):
            source = source or roles.get(spec.role)
            if source is None:
                raise JudgeError(f"unknown judge {spec.role!r}; use {valid_names()}, or ROLE=SOURCE "
                                 "(e.g. grader=openai/gpt-4o-mini, grader=packaged:smollm2-135m-instruct)")
        elif isinstance(spec, NamedClassifier):
            check_refusal_classifier(spec)
        else:  # an offline kind: one line naming its missing extra, before any file is read
            spec.info.require()
        specs.append((spec, source))
    files = completion_files(data)
    df = pd.concat([load_human_labels(f) for f in files], ignore_index=True)
    lomo = len(files) > 1
    rows, note = df, ""
    if not lomo:
        specs = _not_trained_on(specs, files[0])
    if limit is not None and limit < len(rows):
        rows = rows.sample(n=limit, random_state=0).sort_index()
    out = []
    for spec, source in specs:
        jnote = note
        if isinstance(spec, OfflineJudge):
            name, fit = spec.kind, spec.info.fit_predict
            if lomo and fit:
                predicted = _leave_one_model_out(_load(fit), df, rows)
                jnote = "leave-one-model-out: trained on the other models' completions"
            else:
                predicted = _offline(spec.kind, rows)
        elif isinstance(spec, NamedClassifier):
            name = spec.name if spec.is_default_source else f"{spec.name} ({spec.source})"
            predicted = classifier_labels(spec, rows)
            jnote = "" if spec.is_default_source else f"weights from {spec.source}"
        else:
            name, predicted = llm_labels(spec.role, source, rows, **(llm_options or {}))
            name = names.get(spec.role, name)
        out.extend(_rows(name, rows, predicted, jnote, per_model=lomo))
    return out


def _not_trained_on(specs: list[tuple[JudgeSpec, Any]], file: Path) -> list[tuple[JudgeSpec, Any]]:
    """One labelled file: leave out each offline judge whose shipped weights learnt from it (its figures
    there would be agreement with its own training data), with a note; with two or more files such a
    judge is measured leave-one-model-out instead.

    Raises:
        JudgeError: every judge asked for was trained on `file`.
    """
    import sys

    digest = file_sha256(file)
    kept, skipped = [], []
    for spec, source in specs:
        ref = spec.info.trained_on if isinstance(spec, OfflineJudge) else ""
        (skipped if ref and digest in _load(ref)() else kept).append((spec, source))
    names = ", ".join(s.kind for s, _ in skipped)  # type: ignore[union-attr]
    hint = "pass two or more labelled files (a folder) to measure it leave-one-model-out"
    if skipped and not kept:
        raise JudgeError(f"{names}: its shipped weights were trained on {file.name}, so agreement there is not "
                         f"a measurement; {hint}, or a file of another model's labelled completions")
    if skipped:
        print(f"note: {names} not measured on {file.name}: its shipped weights were trained on it; {hint}",
              file=sys.stderr)
    return kept


def check_refusal_classifier(spec: NamedClassifier) -> None:
    """`judges validate` measures refusal labels: a classifier that gives none cannot be measured here."""
    info = GUARDS[spec.name]
    if "refusal" not in info.outputs:
        raise JudgeError(f"{spec.name} does not label refusals (it gives {', '.join(info.outputs)}, for "
                         f"{', '.join(info.benchmarks)}); judges validate measures refusal judges on XSTest")


def classifier_labels(spec: NamedClassifier, rows: "pd.DataFrame") -> list[str | None]:
    """A named classifier's refusal labels (None where its output could not be parsed)."""
    from stagewise.judges.guards.run import classify_many

    verdicts = classify_many(spec, list(rows["prompt"]), list(rows["response"]))
    return [None if v.refusal is None else ("full_refusal" if v.refusal else "full_compliance") for v in verdicts]


def _leave_one_model_out(fit_predict: Callable[["pd.DataFrame", "pd.DataFrame"], list[str | None]],
                         df: "pd.DataFrame", rows: "pd.DataFrame") -> list[str | None]:
    """Labels for `rows`, each model's rows predicted by a judge trained on every other model's."""
    predicted: dict[int, str | None] = {}
    for file, test in rows.groupby("file", sort=True):
        for i, label in zip(test.index, fit_predict(df[df["file"] != file], test)):
            predicted[i] = label
    return [predicted[i] for i in rows.index]


def _rows(name: str, rows: "pd.DataFrame", predicted: list[str | None], note: str, *,
          per_model: bool) -> list[Agreement]:
    """Per-model agreements (when several models) then the pooled one."""
    human, files = list(rows["label"]), list(rows["file"])
    out = []
    if per_model:
        for file in sorted(set(files)):
            keep = [i for i, f in enumerate(files) if f == file]
            out.append(agreement(name, [human[i] for i in keep], [predicted[i] for i in keep], data=[file],
                                 note=note, model=model_name(file)))
    out.append(agreement(name, human, predicted, data=sorted(set(files)), note=note))
    return out


def write_json(results: Sequence[Agreement], path: Path) -> Path:
    """Write the agreements as a JSON list, atomically."""
    atomic_write_text(path, json.dumps([r.to_json() for r in results], indent=2) + "\n")
    return path


def llm_labels(role: str, model: Any, rows: "pd.DataFrame", *, max_connections: int = 8,
               log_dir: str | None = None) -> tuple[str, list[str | None]]:
    """Label the stored completions with an LLM judge through Inspect and XSTest's judge rubric.

    The completions are replayed as the model output (no generation), then scored by the
    xstest benchmark's scorer with the judge bound to `role`.

    Args:
        role: the Inspect model role the scorer asks (e.g. `grader`).
        model: the judge: an Inspect model string (`openai/gpt-4o-mini`) or `Model`.
        rows: `load_human_labels` rows.
        max_connections: concurrent judge calls.
        log_dir: where Inspect writes its log (default: a folder under the cache).

    Returns:
        The judge's name and one label per row (None where its reply could not be parsed).
    """
    from inspect_ai import Task, eval
    from inspect_ai.dataset import MemoryDataset, Sample

    from stagewise.evals.xstest.scorer import xstest_scorer

    if not role or not model:
        raise JudgeError(f"LLM judge {role}={model} must be ROLE=INSPECT_MODEL, e.g. grader=openai/gpt-4o-mini")
    samples = [Sample(id=str(i), input=r.prompt, metadata={"response": r.response})
               for i, r in enumerate(rows.itertuples())]
    task = Task(dataset=MemoryDataset(samples, name="xstest-human-labels"), solver=_replay(),
                scorer=xstest_scorer(judge=role), name="judge_validation")
    logs = eval(task, model="none", model_roles={role: model}, display="none",
                log_dir=log_dir or str(cache_root() / "judge-validation"),
                max_connections=max_connections)
    log = logs[0]
    if log.status != "success" or log.samples is None:
        message = log.error.message if log.error else log.status
        raise JudgeError(f"judge {role}={model} failed: {message.splitlines()[0]}; check the model name and its API key")
    labels: list[str | None] = [None] * len(rows)
    name = str(model)
    for sample in log.samples:
        score = next(iter((sample.scores or {}).values()), None)
        meta = (score.metadata or {}) if score is not None else {}
        labels[int(sample.id)] = meta.get("label")
        name = str(meta.get("judge") or name)
    return name, labels


def _replay() -> Any:
    from inspect_ai.model import ModelOutput
    from inspect_ai.solver import Generate, TaskState, solver

    @solver
    def replay() -> Any:
        async def solve(state: TaskState, generate: Generate) -> TaskState:
            state.output = ModelOutput.from_content("human-labelled", state.metadata["response"])
            state.messages.append(state.output.message)
            return state

        return solve

    return replay()
