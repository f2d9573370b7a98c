"""A real OpenAI-compatible server (`transformers serve` on the packaged SmolLM2) killed mid-run.

The run must end within its retry budget with one line naming the endpoint and a non-zero exit,
no traceback and no claim of success; the samples finished before the kill are kept, so the
rerun against a restarted server sends only the requests that are still missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from stagewise.checkpoints import materialize
from stagewise.evaluate.status import study_status
from stagewise.evaluate.study import PackagedSource, load_study

pytestmark = pytest.mark.slow
N_ITEMS = 12
POST = '"POST /v1/chat/completions HTTP/1.1" 200'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(model: Path, port: int, log: Path) -> subprocess.Popen:
    exe = shutil.which("transformers", path=str(Path(sys.executable).parent)) or shutil.which("transformers")
    if exe is None:
        pytest.skip("the `transformers` CLI is not installed (pip install 'transformers[serving]')")
    with log.open("w") as out:
        proc = subprocess.Popen([exe, "serve", str(model), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu",
                                 "--dtype", "float32"], stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "HF_HUB_OFFLINE": "1"}, start_new_session=True)
    deadline = time.monotonic() + 240
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5)
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"transformers serve did not come up: {log.read_text()[-2000:]}")
            time.sleep(0.5)


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _run(study: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "stagewise.cli", "run", str(study), "--display", "plain"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "PYTHONPATH": os.pathsep.join(sys.path)})


def test_server_killed_mid_run_fails_in_one_line_and_the_rerun_sends_only_what_is_missing(
        shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGEWISE_CACHE", str(tmp_path / "cache"))
    model = materialize(PackagedSource(name="smollm2-135m-instruct"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    study = tmp_path / "study.yaml"
    study.write_text(f"""
name: killed-endpoint
output_dir: {tmp_path / "out"}
data_dir: {shared_data}
ladder:
  - {{name: served, stage: production, source: "openai:{url}#{model}"}}
benchmarks: [xstest]
limit: {N_ITEMS}
generation: {{max_tokens: 48, request_timeout: 120, max_retries: 1}}
""")
    first_log = tmp_path / "serve-1.log"
    server = _serve(model, port, first_log)
    run = _run(study)
    try:
        deadline = time.monotonic() + 300
        while first_log.read_text().count(POST) < 3:  # a few answered, the rest still to come
            assert run.poll() is None, run.communicate()[0]
            assert time.monotonic() < deadline, "the served model answered nothing"
            time.sleep(0.1)
        _kill(server)
        out, _ = run.communicate(timeout=180)
    finally:
        _kill(server)
        if run.poll() is None:
            run.kill()
    assert run.returncode not in (0, None), out
    assert "Traceback" not in out and "Completed all tasks" not in out, out
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and url in errors[0], out
    (row,) = study_status(load_study(study))
    answered = first_log.read_text().count(POST)
    assert row.state != "done" and 3 <= row.done <= answered and row.total == N_ITEMS, (row, answered)

    second_log = tmp_path / "serve-2.log"
    server = _serve(model, port, second_log)
    try:
        rerun = _run(study)
        out, _ = rerun.communicate(timeout=600)
    finally:
        _kill(server)
    assert rerun.returncode == 0, out
    (row_after,) = study_status(load_study(study))
    assert row_after.state == "done" and row_after.done == N_ITEMS
    assert second_log.read_text().count(POST) == N_ITEMS - row.done, "finished samples are not asked again"
