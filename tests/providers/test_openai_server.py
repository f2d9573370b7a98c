"""A real OpenAI-compatible server as a rung: `transformers serve` on the packaged SmolLM2.

The `openai:` rung and the local rung run the same checkpoint at temperature 0 in fp32; each
item's completion must agree (one differing item of eight is allowed for batch-vs-single fp32
numerics; the measured agreement here was 8/8).
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from stagewise.checkpoints import materialize, resolve
from stagewise.evaluate.study import HFSource, OpenAISource, PackagedSource

pytestmark = pytest.mark.slow
N_ITEMS, MAX_TOKENS = 8, 24


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def smol() -> Path:
    return materialize(PackagedSource(name="smollm2-135m-instruct"))


@pytest.fixture(scope="module")
def served(smol: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = shutil.which("transformers", path=str(Path(sys.executable).parent)) or shutil.which("transformers")
    if exe is None:
        pytest.skip("the `transformers` CLI is not installed (pip install 'transformers[serving]')")
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([exe, "serve", str(smol), "--host", "127.0.0.1", "--port", str(port),
                                 "--device", "cpu", "--dtype", "float32"], stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "HF_HUB_OFFLINE": "1"})
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"transformers serve did not come up: {log.read_text()[-2000:]}")
                time.sleep(1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _xstest(shared_data: Path) -> list[str]:
    with (shared_data / "xstest" / "xstest_prompts.csv").open() as f:
        return [r["prompt"] for r in list(csv.DictReader(f))[:N_ITEMS]]


def _completions(resolved, prompts: list[str], tmp: Path) -> list[str]:
    from inspect_ai import Task, eval
    from inspect_ai.dataset import Sample
    from inspect_ai.model import get_model
    from inspect_ai.solver import generate

    task = Task(dataset=[Sample(id=str(i), input=p) for i, p in enumerate(prompts)], solver=generate())
    if resolved.base_url:
        model = get_model(resolved.model, base_url=resolved.base_url, api_key=resolved.api_key, **resolved.model_args)
        kwargs = {"model": model}
    else:
        kwargs = {"model": resolved.model, "model_args": resolved.model_args}
    [log] = eval(task, max_tokens=MAX_TOKENS, temperature=0.0, display="none", log_dir=str(tmp), **kwargs)
    assert log.status == "success", log.error
    return [s.output.completion for s in sorted(log.samples, key=lambda s: int(s.id))]


def test_openai_rung_on_transformers_serve_agrees_with_the_local_rung(served, smol, shared_data, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv("STAGEWISE_CACHE", str(tmp_path / "cache"))
    prompts = _xstest(shared_data)
    remote = resolve(OpenAISource(base_url=served, model=str(smol)), name="served")
    local = resolve(HFSource(path=smol), name="local", model_args={"dtype": "float32"})
    got = _completions(remote, prompts, tmp_path / "remote")
    want = _completions(local, prompts, tmp_path / "local")
    assert all(g.strip() for g in got)
    same = sum(g.strip() == w.strip() for g, w in zip(got, want))
    print(f"per-item agreement openai rung (transformers serve) vs local rung: {same}/{len(prompts)}")
    assert same >= len(prompts) - 1, list(zip(got, want))
