"""The stagewise provider on a real tiny model: generation, batching, content-keyed cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.solver import generate

from stagewise.checkpoints import materialize, resolve
from stagewise.providers._cache import GenerationCache
from stagewise.providers._engine import release_engines
from stagewise.evaluate.study import HFSource, PackagedSource

PROMPTS = ["What is the capital of France?", "How do I kill a Python process?", "Name a colour.", "Say hi."]


@pytest.fixture(scope="module")
def smol() -> Path:
    return materialize(PackagedSource(name="smollm2-135m-instruct"))


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGEWISE_CACHE", str(tmp_path / "cache"))
    yield
    release_engines()


def _run(path: Path, tmp: Path) -> list:
    # model args as the runner builds them: path + content hash (Inspect memoises models by args)
    resolved = resolve(HFSource(path=path), name="smol")
    task = Task(dataset=[Sample(id=str(i), input=p) for i, p in enumerate(PROMPTS)], solver=generate())
    [log] = eval(task, model=resolved.model, model_args=resolved.model_args, max_tokens=12,
                 display="none", log_dir=str(tmp / "logs"))
    assert log.status == "success", log.error
    return sorted(log.samples, key=lambda s: int(s.id))


def test_generates_real_text_greedy_and_caches(smol: Path, tmp_path: Path) -> None:
    first = _run(smol, tmp_path)
    assert all(s.output.completion.strip() for s in first)
    assert "paris" in first[0].output.completion.lower()
    assert {s.output.metadata["stagewise_cache"] for s in first} == {"miss"}
    second = _run(smol, tmp_path)
    assert {s.output.metadata["stagewise_cache"] for s in second} == {"hit"}
    assert [s.output.completion for s in second] == [s.output.completion for s in first]
    assert len(GenerationCache()) == len(PROMPTS)


def test_retrained_checkpoint_at_same_path_is_not_served_stale(smol: Path, tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    ckpt = tmp_path / "ckpt"
    shutil.copytree(smol, ckpt)
    before = _run(ckpt, tmp_path)
    release_engines()
    # "retrain" in place: perturb the weights, same path, same name
    weights = next(ckpt.glob("*.safetensors"))
    tensors = load_file(weights)
    torch.manual_seed(0)
    tensors = {k: v + 0.05 * torch.randn_like(v) if v.is_floating_point() else v for k, v in tensors.items()}
    save_file(tensors, weights, metadata={"format": "pt"})
    after = _run(ckpt, tmp_path)
    assert {s.output.metadata["stagewise_cache"] for s in after} == {"miss"}
    assert [s.output.completion for s in after] != [s.output.completion for s in before]


def test_base_model_without_template_says_how_to_fix(smol: Path, tmp_path: Path) -> None:
    import json

    ckpt = tmp_path / "notemplate"
    shutil.copytree(smol, ckpt)
    cfg = json.loads((ckpt / "tokenizer_config.json").read_text())
    cfg.pop("chat_template", None)
    (ckpt / "tokenizer_config.json").write_text(json.dumps(cfg))
    for f in ckpt.glob("chat_template.*"):
        f.unlink()
    task = Task(dataset=[Sample(input="hi")], solver=generate())
    with pytest.raises(Exception, match="has no chat template"):
        eval(task, model="stagewise/x", model_args={"path": str(ckpt)}, display="none", log_dir=str(tmp_path / "l"))
