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


def test_the_ray_prefill_plans_the_production_rungs_noise_epochs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What the Ray prefill hands its actors, without starting Ray (the real Ray run is
    # test_runner_ray.py, marked slow): the production rung's plans carry `noise_epochs`, the
    # others the study's epochs, exactly as `rung_plans` gives the plain runner.
    from types import SimpleNamespace

    from stagewise.checkpoints import ResolvedModel
    from stagewise.evaluate import runner_ray
    from stagewise.evaluate.tasks import plan_tasks, rung_plans

    handed: list[tuple[str, list, list]] = []

    class Dataset:
        def __init__(self, items: list) -> None:
            self.items = items

        def map_batches(self, fn, fn_constructor_args, **kwargs):  # noqa: ANN001, ANN003, ANN201
            study, plans, model = fn_constructor_args[:3]
            handed.append((model.model, plans, self.items))
            return self

        def iter_rows(self):  # noqa: ANN201
            return iter([])

    ray = SimpleNamespace(data=SimpleNamespace(from_items=lambda items, override_num_blocks: Dataset(items),
                                               ActorPoolStrategy=lambda size: None),
                          cluster_resources=lambda: {"CPU": 2})
    monkeypatch.setattr(runner_ray, "_init", lambda opts: ray)
    study = study_from_dict({
        "name": "n", "output_dir": str(tmp_path / "out"), "data_dir": str(DEMO_DATA),
        "ladder": [{"name": "sft", "stage": "sft", "source": "packaged:smollm2-135m-instruct"},
                   {"name": "prod", "stage": "production", "source": "packaged:smollm2-135m-instruct"}],
        "benchmarks": {"xstest": {"limit": 4}}, "noise_epochs": 3, "generation": {"temperature": 1.0},
    })
    plans = plan_tasks(study)
    resolved = {r.name: ResolvedModel(model=f"stagewise/{r.name}", content_id=r.name, local_path=tmp_path)
                for r in study.ladder}
    runner_ray.prefill_on_ray(study, plans, list(study.ladder), resolved, {}, runner_ray.RayOptions(address="local"))
    assert [(m, [p.epochs for p in ps]) for m, ps, _ in handed] == [("stagewise/sft", [1]), ("stagewise/prod", [3])]
    assert [ps for _, ps, _ in handed] == [rung_plans(study, r, plans) for r in study.ladder]
    # The chunks' resume markers differ between the rungs' epoch counts (a changed count redoes them).
    markers = [c["marker"] for _, _, items in handed for c in items]
    assert len(markers) == len(set(markers)) == 2
