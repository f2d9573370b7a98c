"""How well does a judge agree with people? Accuracy, Cohen's kappa and confusion matrices
against the human-labelled XSTest completions (3-class and binary: refusal = full or partial).

`validate(judges, data)` returns one `Agreement` per judge; `stagewise judges validate` prints
them and writes `results/judges.json`, which the report shows beside the results each judge
produced. The metrics are small pure functions, checked against scikit-learn in the tests.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from stagewise._atomic import atomic_write_text, cache_root
from stagewise.errors import StagewiseError
from stagewise.judges.refusal import RefusalLabel, string_match_refusal

if TYPE_CHECKING:
    import pandas as pd

LABELS: tuple[str, ...] = get_args(RefusalLabel)  # full_compliance, full_refusal, partial_refusal
BINARY_LABELS: tuple[str, ...] = ("compliance", "refusal")
COMPLETIONS_GLOB = "completions_*_human_labels.csv"
_REQUIRED = ("id", "prompt", "completion", "final_label")


class JudgeError(StagewiseError):
    """Judge validation cannot run: missing data, an unreadable CSV or an unknown judge."""


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

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["confusion"] = {"labels": list(d.pop("labels")), "matrix": [list(r) for r in d.pop("matrix")],
                          "rows": "human", "columns": "judge"}
        d["data"] = list(self.data)
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


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


def binary(label: str) -> str:
    """Collapse a 3-class label: refusal = full or partial refusal."""
    return "compliance" if label == "full_compliance" else "refusal"


def agreement(judge: str, human: Sequence[str], predicted: Sequence[str | None], *, benchmark: str = "xstest",
              data: Sequence[str] = (), note: str = "") -> Agreement:
    """Compare a judge's labels (`None` = unparsable reply) with the human labels of the same items."""
    if len(human) != len(predicted):
        raise ValueError(f"{len(human)} human labels but {len(predicted)} judge labels")
    pairs = [(h, p) for h, p in zip(human, predicted) if p is not None]
    hs, ps = [h for h, _ in pairs], [p for _, p in pairs]
    m3 = confusion_matrix(hs, ps, LABELS)
    m2 = confusion_matrix([binary(h) for h in hs], [binary(p) for p in ps], BINARY_LABELS)
    return Agreement(judge=judge, benchmark=benchmark, n=len(pairs), n_unscored=len(human) - len(pairs),
                     accuracy=accuracy(m3), kappa=cohen_kappa(m3), binary_accuracy=accuracy(m2),
                     binary_kappa=cohen_kappa(m2), labels=LABELS, matrix=tuple(map(tuple, m3)),
                     data=tuple(data), note=note)


def completion_files(data: Path) -> list[Path]:
    """The human-labelled completion CSVs: `data` itself if a file, else those in the folder."""
    if data.is_file():
        return [data]
    if not data.is_dir():
        raise JudgeError(f"{data} not found; pass --data a folder (or file) of XSTest {COMPLETIONS_GLOB}")
    files = sorted(data.glob(COMPLETIONS_GLOB))
    if not files:
        raise JudgeError(f"no {COMPLETIONS_GLOB} in {data}; pass --data the folder holding XSTest's human-labelled completions")
    return files


def load_human_labels(path: Path) -> "pd.DataFrame":
    """Read one XSTest completions CSV: columns id, prompt, response, label (3-class, unprefixed), file."""
    import pandas as pd

    if not path.is_file():
        raise JudgeError(f"{path} not found; pass a human-labelled completions CSV")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise JudgeError(f"{path}: not a readable CSV ({str(e).splitlines()[0]}); pass an XSTest completions file") from None
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise JudgeError(f"{path}: missing column(s) {', '.join(missing)}; expected XSTest completions with "
                         f"{', '.join(_REQUIRED)}")
    label = df["final_label"].str.strip().str.replace(r"^\d_", "", regex=True)
    bad = sorted(set(label) - set(LABELS))
    if bad:
        raise JudgeError(f"{path}: unknown final_label value(s) {', '.join(map(repr, bad[:3]))}; "
                         "expected 1_full_compliance, 2_full_refusal or 3_partial_refusal")
    return pd.DataFrame({"id": df["id"], "prompt": df["prompt"], "response": df["completion"],
                         "label": label, "file": path.name})


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _string_match(df: "pd.DataFrame") -> list[str | None]:
    return [string_match_refusal(r) for r in df["response"]]


def _classifier(df: "pd.DataFrame") -> list[str | None]:
    from stagewise.judges.classifier import classify_refusal

    return list(classify_refusal(list(df["response"]), prompts=list(df["prompt"])))


OFFLINE_JUDGES: dict[str, Callable[["pd.DataFrame"], list[str | None]]] = {
    "string-match": _string_match,
    "classifier": _classifier,
}


def validate(judges: Sequence[str], data: Path, *, limit: int | None = None, roles: Mapping[str, Any] | None = None,
             llm_options: dict[str, Any] | None = None) -> list[Agreement]:
    """Measure each judge against the human labels in `data` (a CSV or a folder of them).

    Args:
        judges: `string-match`, `classifier`, `ROLE=MODEL` (an LLM judge run through Inspect), or a
            role named in `roles`.
        data: XSTest human-labelled completions (`completions_*_human_labels.csv`).
        roles: Inspect models (or model strings) bound to roles, e.g. a study's judges.
        limit: measure every judge on the same random `limit` items (seed 0) instead of all.
        llm_options: extra arguments for LLM judges (`max_connections`, `log_dir`).

    Raises:
        JudgeError: unknown judge, missing files or columns.
    """
    import pandas as pd

    roles = dict(roles or {})
    for j in judges:
        if j not in OFFLINE_JUDGES and "=" not in j and j not in roles:
            raise JudgeError(f"unknown judge {j!r}; use string-match, classifier or ROLE=INSPECT_MODEL (e.g. grader=openai/gpt-4o-mini)")
    files = completion_files(data)
    df = pd.concat([load_human_labels(f) for f in files], ignore_index=True)
    # With the classifier present every judge is measured on its held-out items, so they compare.
    rows, note = _held_out(df, files) if "classifier" in judges else (df, "")
    if limit is not None and limit < len(rows):
        rows = rows.sample(n=limit, random_state=0).sort_index()
    out = []
    for j in judges:
        if j in OFFLINE_JUDGES:
            name, predicted = j, OFFLINE_JUDGES[j](rows)
        else:
            role, _, model = j.partition("=")
            name, predicted = llm_labels(role, model or roles[role], rows, **(llm_options or {}))
        out.append(agreement(name, list(rows["label"]), predicted, data=sorted(set(rows["file"])), note=note))
    return out


def _held_out(df: "pd.DataFrame", files: list[Path]) -> tuple["pd.DataFrame", str]:
    """Leave out the files the shipped classifier was trained on: their figures would flatter it."""
    from stagewise.judges.classifier import load_weights

    trained = load_weights().train_sha256
    seen = {f.name for f in files if file_sha256(f) == trained}
    if len(seen) == len(files):
        raise JudgeError(f"the classifier was trained on {', '.join(seen)}; validate it on other labelled completions "
                         "(e.g. --data completions_gpt4_human_labels.csv)")
    note = f"items held out from the classifier's training file {', '.join(sorted(seen))}" if seen else ""
    return df[~df["file"].isin(seen)], note


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
