"""The bubblewrap sandbox: commands run, and every escape attempt is contained."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from stagewise.sandbox import BwrapConfig, SandboxError, _bwrap
from stagewise.sandbox.environment import BwrapSandboxEnvironment

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def box() -> AsyncIterator[BwrapSandboxEnvironment]:
    cfg = BwrapConfig(cpu_seconds=3, memory_mb=512, max_processes=32, file_size_mb=16, disk_mb=40, timeout_s=20)
    envs = await BwrapSandboxEnvironment.sample_init("test", cfg, {})
    sb = envs["default"].as_type(BwrapSandboxEnvironment)
    yield sb
    await BwrapSandboxEnvironment.sample_cleanup("test", cfg, envs, False)
    assert not sb.base.exists(), "the sample's root was not removed"


async def host_processes() -> str:
    res = await asyncio.to_thread(subprocess.run, ["ps", "-eo", "args"], check=True, capture_output=True, text=True)
    return res.stdout


async def sh(sb: BwrapSandboxEnvironment, script: str, timeout: int | None = None) -> tuple[int, str]:
    r = await sb.exec(["bash", "-c", script], timeout=timeout)
    return r.returncode, r.stdout + r.stderr


async def test_runs_commands_and_files_round_trip(box: BwrapSandboxEnvironment) -> None:
    await box.write_file("in.txt", "hello")
    await box.write_file("/opt/data/x.csv", "a,b\n")
    code, out = await sh(box, "cat in.txt /opt/data/x.csv; pwd; python3 -c 'print(6*7)' > out.txt")
    assert code == 0 and "hello" in out and "a,b" in out and "/workspace" in out
    assert await box.read_file("out.txt") == "42\n"
    assert await box.read_file("/workspace/out.txt", text=False) == b"42\n"


async def test_no_network(box: BwrapSandboxEnvironment) -> None:
    code, out = await sh(
        box, "python3 -c \"import socket; s=socket.socket(); s.settimeout(3); s.connect(('1.1.1.1', 80))\""
    )
    assert code != 0 and "unreachable" in out.lower()
    _, out = await sh(box, "cat /proc/net/dev")
    assert "eth" not in out  # only the loopback device exists


async def test_cannot_write_outside_workspace(box: BwrapSandboxEnvironment) -> None:
    for path in ("/usr/bin/evil", "/etc/evil", "/usr/local/bin/evil", "/evil"):
        code, _ = await sh(box, f"echo x > {path}")
        assert code != 0, path
        assert not Path(path).exists()
    code, _ = await sh(box, "echo ok > /tmp/fine && echo ok > /workspace/fine")
    assert code == 0


async def test_cannot_read_host_files(box: BwrapSandboxEnvironment) -> None:
    _, out = await sh(box, "ls /root; ls /work /home 2>&1; cat /etc/shadow 2>&1; cat /etc/passwd")
    assert "No such file" in out and "nobody" in out
    assert "pyenv" not in out and "main" not in out  # /root and /work of the host stay hidden
    # A symlink the model makes is followed inside the sandbox, never on the host.
    await sh(box, "ln -s /etc/shadow leak; ln -s ../../../../../etc/hostname leak2")
    with pytest.raises(FileNotFoundError):
        await box.read_file("leak")
    assert await box.read_file("leak2") == "sandbox\n"
    for host_only in ("/proc/self/environ", "/proc/1/cmdline", "/dev/null", "/sys/kernel/hostname"):
        with pytest.raises(PermissionError):
            await box.read_file(host_only)
    assert "ELF" in (await box.read_file("/usr/bin/true", text=False))[:4].decode("latin-1")


async def test_fork_bomb_is_contained(box: BwrapSandboxEnvironment) -> None:
    t0 = time.monotonic()
    # bash retries a refused fork with back-off, so the bomb may run until the wall-clock limit
    try:
        code, out = await sh(box, "bomb() { bomb | bomb & }; bomb; sleep 2; echo survived", timeout=30)
        assert "retry" in out.lower() or "fork" in out.lower() or "resource" in out.lower()
    except TimeoutError:
        pass
    assert time.monotonic() - t0 < 40
    code, out = await sh(box, "echo still-works")  # the next command runs normally
    assert code == 0 and "still-works" in out


async def test_disk_cannot_be_filled(box: BwrapSandboxEnvironment) -> None:
    code, out = await sh(box, "head -c 100000000 /dev/zero > big")
    assert code != 0 and "File size limit" in out
    assert os.path.getsize(box.root / "workspace" / "big") <= 16 * 2**20
    code, out = await sh(box, "for i in $(seq 50); do head -c 8000000 /dev/zero > f$i; sleep 0.05; done")
    assert ("No space left" if box.tmpfs else "disk limit") in out
    assert _bwrap.dir_size(box.root) < 40 * 2**20 + 30 * 2**20  # killed within a poll of the limit


async def test_nothing_outlives_the_command(box: BwrapSandboxEnvironment) -> None:
    code, _ = await sh(box, "nohup sleep 987.5 >/dev/null 2>&1 & setsid sleep 987.5 & disown; echo started")
    assert code == 0
    await asyncio.sleep(0.5)
    assert "sleep 987.5" not in await host_processes()


async def test_wall_clock_and_cpu_limits(box: BwrapSandboxEnvironment) -> None:
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        await sh(box, "sleep 988.5", timeout=2)
    assert time.monotonic() - t0 < 6
    assert "sleep 988.5" not in await host_processes()
    code, _ = await sh(box, "while :; do :; done", timeout=20)  # killed by the 3 s CPU limit
    assert code != 0
    code, out = await sh(box, "python3 -c 'x = bytearray(2 * 1024**3)'")
    assert code != 0 and "MemoryError" in out


def test_missing_bwrap_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    _bwrap.check_bwrap.cache_clear()
    monkeypatch.setattr(_bwrap.shutil, "which", lambda name: None)
    with pytest.raises(SandboxError, match="apt-get install bubblewrap"):
        _bwrap.check_bwrap()
    _bwrap.check_bwrap.cache_clear()


def test_inspect_task_runs_in_bwrap(tmp_path: Path) -> None:
    """`sandbox="bwrap"` resolves through Inspect's registry; files and setup reach the sandbox."""
    from inspect_ai import Task, eval
    from inspect_ai.dataset import Sample
    from inspect_ai.scorer import includes
    from inspect_ai.solver import Generate, TaskState, solver
    from inspect_ai.util import sandbox

    @solver
    def run_cat():  # type: ignore[no-untyped-def]
        async def solve(state: TaskState, generate: Generate) -> TaskState:
            r = await sandbox().exec(["bash", "-c", "cat data.txt setup.txt"])
            state.output.completion = r.stdout
            return state

        return solve

    sample = Sample(input="x", target="from-setup", files={"data.txt": "payload"}, setup="echo from-setup > setup.txt")
    task = Task(dataset=[sample], solver=run_cat(), scorer=includes(), sandbox="bwrap")
    [log] = eval(task, model="mockllm/model", log_dir=str(tmp_path), display="none")
    assert log.status == "success", log.error
    assert log.results is not None and log.results.scores[0].metrics["accuracy"].value == 1.0


def test_namespaces_refused_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    _bwrap.check_bwrap.cache_clear()
    refused = subprocess.CompletedProcess([], 1, "", "bwrap: setting up uid map: Permission denied\n")
    monkeypatch.setattr(_bwrap.subprocess, "run", lambda *a, **k: refused)
    with pytest.raises(SandboxError, match=r"cannot create namespaces \(bwrap: setting up uid map: Permission denied\).*unprivileged_userns"):
        _bwrap.check_bwrap()
    _bwrap.check_bwrap.cache_clear()


async def test_self_check_command(capsys: pytest.CaptureFixture[str]) -> None:
    from stagewise.sandbox.__main__ import self_check

    await self_check()
    out = capsys.readouterr().out
    assert "Network is unreachable" in out and "Read-only file system" in out and "File size limit" in out


async def test_host_python_can_be_shown_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hosts without /usr/bin/python3 (python:3.x images) get the running Python, read-only.

    A stand-in installation (a prefix with bin/hello) takes the place of sys.base_prefix."""
    import tempfile
    import types

    prefix = Path(tempfile.mkdtemp(prefix="fake-python-"))
    try:
        prefix.chmod(0o755)
        (prefix / "bin").mkdir(mode=0o755)
        (prefix / "bin" / "hello").write_text("#!/bin/sh\necho hello-from-prefix\n")
        (prefix / "bin" / "hello").chmod(0o755)
        monkeypatch.setattr(_bwrap, "sys", types.SimpleNamespace(base_prefix=str(prefix), version_info=sys.version_info))
        cfg = BwrapConfig(host_python="always", timeout_s=30)
        envs = await BwrapSandboxEnvironment.sample_init("test", cfg, {})
        sb = envs["default"].as_type(BwrapSandboxEnvironment)
        try:
            code, out = await sh(sb, f"hello; touch {prefix}/evil")
            assert code != 0 and "hello-from-prefix" in out and "Read-only file system" in out
            assert not (prefix / "evil").exists()
        finally:
            await BwrapSandboxEnvironment.sample_cleanup("test", cfg, envs, False)
    finally:
        shutil.rmtree(prefix)


async def test_sample_may_lay_out_usr_src(box: BwrapSandboxEnvironment) -> None:
    await box.write_file("/usr/src/app/main.sh", "echo from-usr-src\n")
    code, out = await sh(box, "cd /usr/src/app && bash main.sh && ls /usr/bin/bash && echo x > new.txt")
    assert "from-usr-src" in out and "/usr/bin/bash" in out
    assert code != 0 and "Read-only file system" in out  # laid out, but not in `writable`
    with pytest.raises(PermissionError):
        await box.write_file("/usr/bin/evil", "x")
