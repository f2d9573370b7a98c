"""Escape suite: what the model under test must not see, reach or exhaust, each asserted."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from stagewise.sandbox import BwrapConfig
from stagewise.sandbox.environment import BwrapSandboxEnvironment

pytestmark = pytest.mark.timeout(180)
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the kernel-enforced tmpfs root needs stagewise to run as root")
CFG = BwrapConfig(cpu_seconds=5, memory_mb=512, max_processes=32, file_size_mb=16, disk_mb=40, inodes=3000, timeout_s=30)


@pytest.fixture
async def box() -> AsyncIterator[BwrapSandboxEnvironment]:
    sb = BwrapSandboxEnvironment(CFG)
    yield sb
    sb.cleanup()
    assert not sb.base.exists()


async def sh(sb: BwrapSandboxEnvironment, script: str, timeout: int | None = None) -> tuple[int, str]:
    r = await sb.exec(["bash", "-c", script], timeout=timeout)
    return r.returncode, r.stdout + r.stderr


async def test_no_host_environment_or_path_in_any_proc_file(box: BwrapSandboxEnvironment, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SW_CANARY_API_KEY", "sk-canary-4242")
    _, out = await sh(box, "for p in /proc/[0-9]*; do cat $p/environ $p/cmdline; echo; done; cat /proc/self/mountinfo")
    assert "sk-canary-4242" not in out and "SW_CANARY" not in out
    assert str(box.base) not in out and "stagewise-bwrap" not in out
    _, env1 = await sh(box, "tr '\\0' '\\n' < /proc/1/environ")
    assert env1.strip() == ""  # the sandbox's init starts with an empty environment


async def test_loopback_server_and_abstract_socket_on_host_unreachable(box: BwrapSandboxEnvironment) -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind("\0stagewise-escape-test")
    abstract.listen()
    try:
        code, out = await sh(
            box,
            f"python3 -c \"import socket; s=socket.socket(); s.settimeout(2); s.connect(('127.0.0.1', {port}))\"; "
            "python3 -c \"import socket; s=socket.socket(socket.AF_UNIX); s.connect('\\0stagewise-escape-test')\"",
        )
        assert out.count("ConnectionRefusedError") == 2, out
    finally:
        srv.close()
        abstract.close()


async def test_kill_all_reaches_no_host_process(box: BwrapSandboxEnvironment) -> None:
    host = subprocess.Popen(["sleep", "60"])
    try:
        await sh(box, "kill -9 -1; echo done")
        time.sleep(0.3)
        assert host.poll() is None
    finally:
        host.kill()


async def test_double_fork_does_not_outlive_the_command(box: BwrapSandboxEnvironment) -> None:
    await sh(box, "( ( sleep 977.5 & ) & ); (setsid nohup sleep 977.5 >/dev/null 2>&1 &); echo ok")
    await asyncio.sleep(0.5)
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert "sleep 977.5" not in ps


@as_root
async def test_unlinked_open_files_count_against_the_disk(box: BwrapSandboxEnvironment) -> None:
    script = "for i in $(seq 6); do exec {fd}>/tmp/f$i; rm /tmp/f$i; head -c 15000000 /dev/zero >&$fd; done; echo end"
    code, out = await sh(box, script)
    assert "No space left" in out
    st = os.statvfs(box.root)
    assert (st.f_blocks - st.f_bfree) * st.f_frsize <= 40 * 2**20


@as_root
async def test_inode_exhaustion_is_refused(box: BwrapSandboxEnvironment) -> None:
    code, out = await sh(box, "mkdir d; cd d; for i in $(seq 5000); do mkdir $i || exit 3; done")
    assert code == 3 and "No space left" in out
    code, out = await sh(box, "echo fine")  # the sandbox still runs
    assert code == 0


@as_root
async def test_setuid_bits_have_no_effect_on_the_host() -> None:
    sb = BwrapSandboxEnvironment(BwrapConfig(root=True))
    try:
        await sh(sb, "cp /bin/true s; chmod 6755 s; ls -l s")
        assert os.statvfs(sb.root).f_flag & os.ST_NOSUID
        assert (sb.root / "workspace" / "s").stat().st_uid == sb.uid != 0
    finally:
        sb.cleanup()


async def test_host_write_file_follows_the_read_only_policy(box: BwrapSandboxEnvironment) -> None:
    await box.write_file("/etc/profile.d/setup.sh", "echo from-setup\n")  # the sample's own files
    await sh(box, "true")  # from the first command on, the sandbox's policy holds
    with pytest.raises(PermissionError, match="read-only"):
        await box.write_file("/etc/profile.d/evil.sh", "echo pwned\n")
    await box.write_file("/workspace/ok.txt", "fine")
    assert not (box.root / "etc/profile.d/evil.sh").exists()


async def test_host_write_file_does_not_follow_a_planted_hard_link(box: BwrapSandboxEnvironment) -> None:
    await box.write_file("/workspace/a.txt", "original")
    await sh(box, "ln /workspace/a.txt /workspace/b.txt")
    await box.write_file("/workspace/b.txt", "new")
    assert await box.read_file("/workspace/a.txt") == "original"


async def test_gigabytes_of_output_are_capped(box: BwrapSandboxEnvironment) -> None:
    t0 = time.monotonic()
    r = await box.exec(["bash", "-c", "head -c 1500000000 /dev/zero | tr '\\0' x"], timeout=60)
    assert len(r.stdout) <= 11 * 2**20 and time.monotonic() - t0 < 60


@as_root
async def test_fork_bomb_leaves_a_concurrent_sample_unaffected() -> None:
    a, b = BwrapSandboxEnvironment(CFG), BwrapSandboxEnvironment(CFG)
    try:
        assert a.uid != b.uid
        bomb = asyncio.create_task(sh(a, "bomb() { bomb | bomb & }; bomb; sleep 5", timeout=12))
        await asyncio.sleep(1.5)
        for _ in range(3):
            code, out = await sh(b, "echo unaffected")
            assert code == 0 and "unaffected" in out, out
        try:
            await bomb
        except TimeoutError:
            pass
    finally:
        a.cleanup()
        b.cleanup()


def test_cleanup_unmounts_the_sample(tmp_path: Path) -> None:
    sb = BwrapSandboxEnvironment(CFG)
    root = sb.root
    sb.cleanup()
    assert not root.exists() and str(root) not in Path("/proc/mounts").read_text()


def test_uid_slots_are_distinct_across_processes() -> None:
    import sys

    sb = BwrapSandboxEnvironment(CFG)
    try:
        code = "from stagewise.sandbox.environment import BwrapSandboxEnvironment as E; from stagewise.sandbox import BwrapConfig; e = E(BwrapConfig()); print(e.slot); e.cleanup()"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        assert int(out.strip()) != sb.slot
    finally:
        sb.cleanup()
