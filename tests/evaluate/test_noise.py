"""The noise ceiling for real: `noise_epochs` reruns the production rung with sampling, and
compare reports (and the report draws) the run-to-run band; greedy noise epochs are refused."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from stagewise.errors import StudyError
from stagewise.evaluate.results import collect
from stagewise.evaluate.runner import run_study
from stagewise.evaluate.study import load_study, study_from_dict

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "stagewise" / "demo_data"


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stagewise.providers import _cache

    monkeypatch.setattr(_cache, "cache_root", lambda: tmp_path / "gencache")


def test_noise_epochs_measure_the_band_on_a_real_tiny_model(tmp_path: Path) -> None:
    from stagewise.compare import compare_study
    from stagewise.report import main as report_main

    path = tmp_path / "study.yaml"
    path.write_text(f"""
name: noise
output_dir: {tmp_path / "out"}
data_dir: {DEMO_DATA}
ladder:
  - {{name: sft, stage: sft, source: "packaged:smollm2-135m-instruct", model_args: {{batch_size: 8}}}}
  - {{name: prod, stage: production, source: "packaged:smollm2-135m-instruct", model_args: {{batch_size: 8}}}}
benchmarks: {{xstest: {{}}}}
limit: 8
noise_epochs: 3
generation: {{max_tokens: 16, temperature: 1.0}}
""")
    out = run_study(load_study(path), display="none")
    df = collect(out)
    epochs = df.groupby("rung").epoch.nunique().to_dict()
    assert epochs == {"sft": 1, "prod": 3}, "only the production rung is rerun"
    c = compare_study(out, n_boot=200)
    noise = {n.metric: n for n in c.noise}
    nc = noise["xstest/over_refusal"]
    assert nc.rung == "prod" and nc.n_epochs == 3 and len(nc.pair_diffs) == 3
    assert math.isfinite(nc.band) and nc.band >= 0 and nc.gap_rung == "sft"
    html = report_main(out, n_boot=200)
    assert "noise" in (html.parent / "report.md").read_text()


def _study(**extra):
    return {"name": "s", "output_dir": "o", "benchmarks": ["xstest"],
            "ladder": [{"name": "p", "stage": "production", "source": "packaged:gemma3-270m"}], **extra}


def test_greedy_noise_epochs_are_refused() -> None:
    with pytest.raises(StudyError, match="noise_epochs: 3 needs generation.temperature above 0"):
        study_from_dict(_study(noise_epochs=3))
    with pytest.raises(StudyError, match="use 0 .off. or at least 2"):
        study_from_dict(_study(noise_epochs=1, generation={"temperature": 0.7}))
    assert study_from_dict(_study(noise_epochs=2, generation={"temperature": 0.7})).noise_epochs == 2
