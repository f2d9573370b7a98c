"""The container-like options: `root` (capabilities inside the user namespace), a writable
system layer per sample, and an image directory laid over `/`."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagewise.sandbox import BwrapConfig, SandboxError
from stagewise.sandbox.environment import BwrapSandboxEnvironment

pytestmark = pytest.mark.timeout(120)


async def run(cfg: BwrapConfig, script: str) -> tuple[int, str]:
    sb = BwrapSandboxEnvironment(cfg)
    try:
        r = await sb.exec(["bash", "-c", script])
        return r.returncode, r.stdout + r.stderr
    finally:
        sb.cleanup()


async def test_root_may_rewrite_its_own_read_only_file() -> None:
    script = "echo a > f; chmod 555 f; echo b > f && cat f"
    code, out = await run(BwrapConfig(), script)
    assert code != 0 and "Permission denied" in out
    code, out = await run(BwrapConfig(root=True), script)
    assert code == 0 and out.strip() == "b"


async def test_root_gains_nothing_outside_the_sample() -> None:
    script = "id -u; touch /usr/bin/x; mount -o remount,rw,bind /usr/bin && touch /usr/bin/x; cat /etc/shadow"
    code, out = await run(BwrapConfig(root=True), script)
    assert out.startswith("0\n") and "Read-only file system" in out and "No such file" in out
    assert not Path("/usr/bin/x").exists()


async def test_system_layer_is_writable_per_sample() -> None:
    cfg = BwrapConfig(system_writable=True)
    script = "for d in /usr/local /etc /var /opt; do touch $d/probe || exit 1; done; ls /opt"
    code, out = await run(cfg, script)
    assert code == 0, out
    # a second sample starts clean
    code, out = await run(cfg, "ls /opt /var /usr/local /etc | grep -c probe")
    assert out.strip() == "0"
    code, out = await run(BwrapConfig(), "touch /etc/probe")
    assert code != 0 and "Read-only" in out


async def test_image_is_laid_over_root_and_stays_pristine(tmp_path: Path) -> None:
    (tmp_path / "opt/app").mkdir(parents=True)
    (tmp_path / "opt/app/conf").write_text("v=1\n")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/app.conf").write_text("hello\n")
    cfg = BwrapConfig(image=str(tmp_path), system_writable=True, root=True)
    code, out = await run(cfg, "cat /opt/app/conf /etc/app.conf; echo v=2 > /opt/app/conf; test -f /etc/passwd && echo ok")
    assert code == 0 and "v=1" in out and "hello" in out and "ok" in out
    assert (tmp_path / "opt/app/conf").read_text() == "v=1\n"


def test_missing_image_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="not a directory"):
        BwrapSandboxEnvironment(BwrapConfig(image=str(tmp_path / "nope")))
