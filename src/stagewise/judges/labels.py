"""XSTest's human-labelled completions: reading them, and the judge-validation error.

Shared by `judges.validate` (agreement with the human labels) and `judges.classifier` (trained
on them); apart so that neither imports the other.
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
_REQUIRED = ("id", "prompt", "completion", "final_label")


class JudgeError(StagewiseError):
    """Judge validation cannot run: missing data, an unreadable CSV or an unknown judge."""


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
    """sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
