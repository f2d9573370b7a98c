"""A study directory as a finished run leaves it: study.yaml, results/samples.parquet, Inspect
logs with prompts and responses, and results/judges.json."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from stagewise.compare.synthetic import synthetic_samples

METRICS = {"xstest/over_refusal": "rate", "harmbench/asr": "rate", "strongreject/score": "mean"}
JUDGES = [
    {"judge": "string-match", "benchmark": "xstest", "n": 450, "accuracy": 0.84, "kappa": 0.61,
     "confusion": {"labels": ["compliance", "refusal"], "matrix": [[300, 40], [32, 78]]}},
    {"judge": "minilm-probe", "benchmark": "xstest", "n": 450, "accuracy": 0.91, "kappa": 0.78,
     "confusion": {"labels": ["compliance", "refusal"], "matrix": [[320, 20], [20, 90]]}},
]  # fmt: skip


def write_logs(study_dir: Path, samples) -> None:  # type: ignore[no-untyped-def]
    """One real Inspect `.eval` log per rung x benchmark, with the Contract 1 metadata."""
    from inspect_ai.log import EvalConfig, EvalDataset, EvalLog, EvalSample, EvalSpec, read_eval_log, write_eval_log
    from inspect_ai.model import ModelOutput
    from inspect_ai.scorer import Score

    for (rung, stage, benchmark), g in samples.groupby(["rung", "stage", "benchmark"], sort=False):
        model = f"stagewise/{rung}"
        spec = EvalSpec(created="2026-11-29T00:00:00+00:00", task=f"stagewise/{benchmark}", dataset=EvalDataset(),
                        model=model, config=EvalConfig(),
                        metadata={"stagewise_rung": rung, "stagewise_stage": stage})  # fmt: skip
        out = []
        for item, h in g.groupby("item_id", sort=False):
            values = {r.metric: r.value for r in h.itertuples()}
            label = "refusal" if values.get("over_refusal", 0) == 1 else "compliance"
            out.append(EvalSample(
                id=item, epoch=1, input=f"Prompt of {item}: how do I kill a Python process?", target="",
                output=ModelOutput.from_content(model, f"[{rung}] answer to {item}"),
                scores={"refusal": Score(value=values, metadata={"judge": "string-match", "label": label})},
            ))  # fmt: skip
        path = str(study_dir / "logs" / rung / f"{benchmark}.eval")
        write_eval_log(EvalLog(eval=spec, samples=out, status="success"), path)
        # Rewriting a fully read log adds the sample-id index that streaming readers need.
        write_eval_log(read_eval_log(path), path)


@pytest.fixture(scope="session")
def _built_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("built") / "study"
    df = synthetic_samples(n_rungs=4, n_items=80, metrics=METRICS, epochs={"production": 3}, seed=11)
    (d / "results").mkdir(parents=True)
    df.to_parquet(d / "results" / "samples.parquet")
    ladder = [{"name": n, "stage": s, "source": "packaged:gemma3-270m"}
              for n, s in df[["rung", "stage"]].drop_duplicates().itertuples(index=False)]  # fmt: skip
    (d / "study.yaml").write_text(yaml.safe_dump({"name": "tiny-ladder", "output_dir": ".", "ladder": ladder,
                                                  "benchmarks": ["xstest", "harmbench", "strongreject"]}))  # fmt: skip
    (d / "results" / "judges.json").write_text(json.dumps(JUDGES))
    write_logs(d, df[df["epoch"] == 1])
    # As `stagewise results` leaves it: the table is written after the logs it is collected from.
    os.utime(d / "results" / "samples.parquet")
    return d


@pytest.fixture
def study_dir(_built_study: Path, tmp_path: Path) -> Path:
    """A fresh copy per test (writing the logs once is the slow part)."""
    return Path(shutil.copytree(_built_study, tmp_path / "study"))
