"""`engine: auto` rungs are sized for the engine choice; other rungs get no extra model args."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from stagewise.checkpoints._resolve import ResolvedModel
from stagewise.evaluate.runner import job_size
from stagewise.providers._engine import cpu_break_even_tokens, pick_backend


def _tasks(*sizes: tuple[int, int]) -> list[SimpleNamespace]:
    return [SimpleNamespace(dataset=list(range(n)), epochs=e) for n, e in sizes]


def test_auto_rungs_get_the_job_size(tmp_path: Path) -> None:
    model = ResolvedModel(model="stagewise/x", model_args={"path": str(tmp_path), "engine": "auto"}, local_path=tmp_path)
    assert job_size(model, _tasks((10, 1), (4, 3)), 64) == {"job_tokens": (10 + 12) * 64}


def test_other_rungs_get_nothing(tmp_path: Path) -> None:
    hf = ResolvedModel(model="stagewise/x", model_args={"path": str(tmp_path)}, local_path=tmp_path)
    endpoint = ResolvedModel(model="openai/m", model_args={"engine": "auto"}, base_url="http://127.0.0.1:1/v1")
    pinned = ResolvedModel(model="stagewise/x", model_args={"engine": "auto", "job_tokens": 5}, local_path=tmp_path)
    assert job_size(hf, _tasks((10, 1)), 64) == {}
    assert job_size(endpoint, _tasks((10, 1)), 64) == {}
    assert job_size(pinned, _tasks((10, 1)), 64) == {}


def test_auto_picks_vllm_on_cpu_only_past_the_break_even(monkeypatch) -> None:
    import importlib.util

    import torch

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object() if name == "vllm" else real(name, *a))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setenv("STAGEWISE_VLLM_BREAK_EVEN_TOKENS", "10000")
    assert cpu_break_even_tokens() == 10000
    assert pick_backend("auto", 24 * 64) == "hf"
    assert pick_backend("auto", 200 * 64) == "vllm"
    assert pick_backend("auto", None) == "hf"
