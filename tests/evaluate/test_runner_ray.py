"""Replay and judging on Ray Data (local single-machine Ray), against the in-process runner.

Slow: starting Ray and its actors takes ~30 s. Real model (SmolLM2-135M) as the rung and as
the LLM judge; the driver is forbidden to load weights, so every generation and judge call it
serves must come from what the Ray actors produced.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stagewise.evaluate.results import collect
from stagewise.evaluate.runner import run_study
from stagewise.evaluate.study import load_study

ray = pytest.importorskip("ray")

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "stagewise" / "demo_data"


def _study(tmp_path: Path, out: str) -> Path:
    p = tmp_path / f"{out}.yaml"
    p.write_text(f"""
name: ray
output_dir: {tmp_path / out}
data_dir: {DEMO_DATA}
ladder:
  - {{name: smol, stage: production, source: "packaged:smollm2-135m-instruct", model_args: {{batch_size: 1}}}}
judges:
  grader: {{source: "packaged:smollm2-135m-instruct", model_args: {{batch_size: 1}}}}
benchmarks:
  user_logs: {{rubrics: [refusal, concerning], limit: 3}}
  strongreject: {{subset: small, judge: null, limit: 2}}
generation: {{max_tokens: 16}}
""")
    return p


def _cache_len(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as c:
        return int(c.execute("SELECT COUNT(*) FROM gen").fetchone()[0])


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.mark.slow
def test_ray_replay_and_judging_match_the_in_process_run(tmp_path, monkeypatch, capsys, local_ray):
    from stagewise.providers import _cache, _engine
    from stagewise.evaluate.runner_ray import RayOptions

    # In-process reference run, with its own generation cache.
    monkeypatch.setattr(_cache, "cache_root", lambda: tmp_path / "cache-local")
    ref = collect(run_study(load_study(_study(tmp_path, "local")), display="none"))

    # Ray run: a fresh cache, and a driver that may not load any weights.
    monkeypatch.setattr(_cache, "cache_root", lambda: tmp_path / "cache-ray")

    loaded = []  # raising would be lost in a background load's future: record, assert at the end
    monkeypatch.setattr(_engine.Engine, "_load_model", lambda self: loaded.append(self.path))
    study = load_study(_study(tmp_path, "ray"))
    opts = RayOptions(address="local", workers=1, chunk_size=2)
    out = run_study(study, display="none", ray=opts)
    printed = capsys.readouterr().out
    assert "ray: 3 chunks generated on Ray" in printed, printed  # user_logs 3 -> 2 chunks, strongreject 1
    rows = int(printed.split("(")[1].split(" cached")[0])
    db = tmp_path / "cache-ray" / "generations.sqlite"
    assert _cache_len(db) == rows > 5, "the driver generated something itself"
    assert loaded == [], "the driver loaded model weights (rung or judge)"

    got = collect(out)
    key = ["benchmark", "metric", "item_id", "epoch"]
    a = ref.sort_values(key).reset_index(drop=True)[key + ["value"]]
    b = got.sort_values(key).reset_index(drop=True)[key + ["value"]]
    assert len(a) and a.equals(b), "Ray results differ from the in-process run"
    judged = got[got.metric.str.contains("concerning")]
    assert len(judged) == 3 and set(got[got.benchmark == "user_logs"].judge) == {"stagewise/judge-grader"}

    for log in (out / "logs" / "smol").glob("*.eval"):
        from inspect_ai.log import read_eval_log

        for s in read_eval_log(str(log)).samples or []:
            assert s.output.metadata["stagewise_cache"] == "hit"

    # Resume: a rerun finds every chunk done and sends nothing to Ray.
    markers = sorted((out / "ray" / "smol").glob("*.done"))
    assert len(markers) == 3 and all(json.loads(m.read_text())["rows"] > 0 for m in markers)
    run_study(study, display="none", ray=opts)
    assert "all 3 chunks already done" in capsys.readouterr().out
    assert _cache_len(db) == rows


@pytest.mark.slow
def test_a_failing_worker_is_one_line_and_keeps_nothing_half_done(tmp_path, monkeypatch, local_ray):
    from stagewise.errors import RunError
    from stagewise.providers import _cache
    from stagewise.evaluate.runner_ray import RayOptions

    monkeypatch.setattr(_cache, "cache_root", lambda: tmp_path / "cache")
    study = load_study(_study(tmp_path, "fail"))
    # vLLM is not installed here: every actor fails to load the rung.
    with pytest.raises(RunError) as e:
        run_study(study, display="none", ray=RayOptions(address="local", chunk_size=2, engine="vllm"))
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("ray: rung smol failed on a worker:") and "vLLM" in msg, msg
    assert "rerun to resume" in msg
    assert not list((tmp_path / "fail" / "ray").rglob("*.done"))


@pytest.mark.slow
def test_ray_prefill_generates_every_noise_epoch_of_the_production_rung(tmp_path, monkeypatch, capsys, local_ray):
    # `noise_epochs: 2`: the production rung runs 2 sampled epochs, the sft rung 1, on Ray as in
    # the plain runner. The driver may not load weights, so an epoch Ray skipped would show up
    # as a load (and as a cache miss in the log).
    from inspect_ai.log import read_eval_log

    from stagewise.providers import _cache, _engine
    from stagewise.evaluate.runner_ray import RayOptions

    monkeypatch.setattr(_cache, "cache_root", lambda: tmp_path / "cache")
    loaded = []
    monkeypatch.setattr(_engine.Engine, "_load_model", lambda self: loaded.append(self.path))
    path = tmp_path / "noise.yaml"
    path.write_text(f"""
name: ray-noise
output_dir: {tmp_path / "out"}
data_dir: {DEMO_DATA}
ladder:
  - {{name: sft, stage: sft, source: "packaged:smollm2-135m-instruct", model_args: {{batch_size: 1}}}}
  - {{name: prod, stage: production, source: "packaged:smollm2-135m-instruct", model_args: {{batch_size: 1}}}}
benchmarks: {{xstest: {{limit: 2}}}}
noise_epochs: 2
generation: {{max_tokens: 8, temperature: 1.0}}
""")
    out = run_study(load_study(path), display="none", ray=RayOptions(address="local", workers=1, chunk_size=2))
    printed = capsys.readouterr().out
    assert "ray: 2 chunks generated on Ray" in printed, printed
    assert loaded == [], "the driver loaded weights: Ray did not generate every epoch the runner needed"
    got = collect(out)
    assert got.groupby("rung").epoch.nunique().to_dict() == {"sft": 1, "prod": 2}
    for log in (out / "logs" / "prod").glob("*.eval"):
        samples = read_eval_log(str(log)).samples or []
        assert len(samples) == 4 and {s.output.metadata["stagewise_cache"] for s in samples} == {"hit"}
