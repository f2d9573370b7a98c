"""XSTest's human-labelled completions: reading them, and the names of the labels.

Light on purpose: the offline classifier trains from these files and `validate` measures every
judge on them, and neither imports the other.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from stagewise.errors import StagewiseError
from stagewise.judges.refusal import RefusalLabel

if TYPE_CHECKING:
    import pandas as pd

LABELS: tuple[str, ...] = get_args(RefusalLabel)  # full_compliance, full_refusal, partial_refusal
COMPLETIONS_GLOB = "completions_*_human_labels.csv"
# upstream's own names (paul-rottger/xstest model_completions/), accepted as they are
COMPLETIONS_GLOBS = (COMPLETIONS_GLOB, "xstest_v2_completions_*.csv")
_REQUIRED = ("id", "prompt", "completion", "final_label")


class JudgeError(StagewiseError):
    """Judge validation cannot run: missing data, an unreadable CSV or an unknown judge."""




def completion_files(data: Path) -> list[Path]:
    """The human-labelled completion CSVs: `data` itself if a file, else those in the folder."""
    if data.is_file():
        return [data]
    if not data.is_dir():
        raise JudgeError(f"{data} not found; pass --data a folder (or file) of XSTest {COMPLETIONS_GLOB}")
    files = sorted({f for g in COMPLETIONS_GLOBS for f in data.glob(g)})
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


def model_name(file: str) -> str:
    """The model a completions file is named after: `completions_gpt4_human_labels.csv` -> `gpt4`."""
    stem = file.removesuffix(".csv")
    for prefix in ("xstest_v2_completions_", "completions_"):
        stem = stem.removeprefix(prefix)
    return stem.removesuffix("_human_labels") or file


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
