"""The `bwrap` Inspect sandbox: model-written commands run isolated without Docker.

Use it as `Task(..., sandbox=("bwrap", BwrapConfig(...)))` or `sandbox="bwrap"` for the defaults.
Sample `files` are written into the per-sample root (absolute paths land at that path inside
the sandbox, relative ones under `workdir`), and a sample `setup` script runs as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any, ClassVar, Literal, overload

import yaml
from inspect_ai.util import (
    ExecResult,
    SandboxEnvironment,
    SandboxEnvironmentConfigType,
    sandboxenv,
)
from inspect_ai.util._sandbox.environment import SandboxUserUnsupportedError
from inspect_ai.util._sandbox.limits import (
    SandboxEnvironmentLimits,
    verify_read_file_size,
)
from pydantic import BaseModel

from stagewise.sandbox._bwrap import (
    BwrapConfig,
    bwrap_command,
    check_bwrap,
    dir_size,
    init_root,
    is_host_system,
    writable,
    writable_paths,
)

_POLL_S = 0.2


def _config(config: SandboxEnvironmentConfigType | None) -> BwrapConfig:
    if config is None:
        return BwrapConfig()
    if isinstance(config, BwrapConfig):
        return config
    if isinstance(config, str):  # a YAML file of BwrapConfig fields
        return BwrapConfig(**(yaml.safe_load(Path(config).read_text()) or {}))
    return BwrapConfig(**config.model_dump())


@sandboxenv(name="bwrap")
class BwrapSandboxEnvironment(SandboxEnvironment):
    """One sample's bubblewrap sandbox: a host directory run over a read-only host system."""

    _live: ClassVar[set[BwrapSandboxEnvironment]] = set()  # not yet cleaned up (see task_cleanup)
    _slots: ClassVar[set[int]] = set()  # host uid offsets held by live samples

    def __init__(self, cfg: BwrapConfig, task_name: str = "") -> None:
        super().__init__()
        self.cfg = cfg
        self.task_name = task_name
        self.slot, self._slot_lock = _take_slot(self._slots)
        self._slots.add(self.slot)
        self.uid = cfg.host_uid + self.slot  # this sample's own host uid (used when we are root)
        self.sealed = False  # set by the first exec: host writes then follow the sandbox's policy
        # The base dir is traversable (0711) so the unprivileged uid can reach its root.
        self.base = Path(tempfile.mkdtemp(prefix="stagewise-bwrap-"))
        self.base.chmod(0o711)
        self.root = self.base / "root"
        self.root.mkdir()
        self.tmpfs = _mount_tmpfs(self.root, cfg, self.uid)
        init_root(self.root, cfg)
        (self.root / cfg.workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
        self._chown(self.root, recursive=True)
        self._live.add(self)

    @classmethod
    def default_concurrency(cls) -> int | None:
        # A sample holds its sandbox while the model thinks, so allow many; commands beyond a few
        # per core only queue on the CPU (change with Inspect's `max_sandboxes`).
        return max(8, 4 * (os.cpu_count() or 1))

    @classmethod
    def config_deserialize(cls, config: dict[str, Any]) -> BaseModel:
        return BwrapConfig(**config)

    @classmethod
    async def sample_init(
        cls, task_name: str, config: SandboxEnvironmentConfigType | None, metadata: dict[str, str]
    ) -> dict[str, SandboxEnvironment]:
        check_bwrap()
        return {"default": cls(_config(config), task_name)}

    @classmethod
    async def sample_cleanup(
        cls,
        task_name: str,
        config: SandboxEnvironmentConfigType | None,
        environments: dict[str, SandboxEnvironment],
        interrupted: bool,
    ) -> None:
        for env in environments.values():
            env.as_type(cls).cleanup()

    @classmethod
    async def task_cleanup(cls, task_name: str, config: SandboxEnvironmentConfigType | None, cleanup: bool) -> None:
        # Roots of this task whose sample was cancelled before its own cleanup ran.
        if cleanup:
            for env in [e for e in cls._live if e.task_name == task_name]:
                env.cleanup()

    def cleanup(self) -> None:
        """Remove the sample's root (read-only dirs included)."""
        self._live.discard(self)
        self._slots.discard(self.slot)
        if self._slot_lock >= 0:
            os.close(self._slot_lock)
            self._slot_lock = -1
        if self.tmpfs:
            subprocess.run(["umount", "-l", str(self.root)], check=False, capture_output=True)
            self.tmpfs = False

        def _force(func: Any, path: str, _exc: Any) -> None:
            with contextlib.suppress(OSError):
                os.chmod(os.path.dirname(path), 0o700)
                os.chmod(path, 0o700)
            with contextlib.suppress(OSError):
                func(path)

        shutil.rmtree(self.base, onerror=_force)

    # --- exec -----------------------------------------------------------------------------

    async def exec(
        self,
        cmd: list[str],
        input: str | bytes | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        user: str | None = None,
        timeout: int | None = None,
        timeout_retry: bool = True,
        concurrency: bool = True,
    ) -> ExecResult[str]:
        if user not in (None, "root", "0"):
            raise SandboxUserUnsupportedError(f"the bwrap sandbox runs commands as root only, not {user!r}")
        workdir = cwd if cwd and cwd.startswith("/") else f"{self.cfg.workdir.rstrip('/')}/{cwd or ''}".rstrip("/")
        self.sealed = True
        launcher, args = bwrap_command(self.root, self.cfg, cmd, workdir or "/", env or {}, self.uid)
        limit = timeout or self.cfg.timeout_s
        # bwrap reads its arguments from a memfd, so its init's cmdline shows no host path
        fd = os.memfd_create("bwrap-args")
        try:
            os.write(fd, b"".join(a.encode() + b"\0" for a in args))
            os.lseek(fd, 0, os.SEEK_SET)
            proc = await asyncio.create_subprocess_exec(
                *launcher, "--args", str(fd), "--", *cmd,
                stdin=asyncio.subprocess.PIPE if input is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
                pass_fds=(fd,),
            )  # fmt: skip
        finally:
            os.close(fd)
        max_out = SandboxEnvironmentLimits.MAX_EXEC_OUTPUT_SIZE
        out_task = asyncio.create_task(_read_capped(proc.stdout, max_out))
        err_task = asyncio.create_task(_read_capped(proc.stderr, max_out))
        if input is not None and proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                proc.stdin.write(input.encode() if isinstance(input, str) else input)
                await proc.stdin.drain()
            proc.stdin.close()
        killed: str | None = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while proc.returncode is None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(proc.wait()), _POLL_S)
            if proc.returncode is not None:
                break
            if loop.time() > deadline:
                killed = "timeout"
            elif not self.tmpfs and await asyncio.to_thread(dir_size, self.root) > self.cfg.disk_mb * 2**20:
                killed = "disk"
            if killed:
                _kill(proc)
                await proc.wait()
        stdout, stderr = await out_task, await err_task
        if killed == "timeout":
            raise TimeoutError(f"command ran past its {limit}s wall-clock limit and was killed")
        if killed == "disk":
            stderr += f"\nsandbox: killed, the sandbox grew past its {self.cfg.disk_mb} MB disk limit".encode()
        code = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
        return ExecResult(
            success=code == 0,
            returncode=code,
            stdout=stdout.decode("utf-8", errors="replace"),
            stderr=stderr.decode("utf-8", errors="replace"),
        )

    # --- files ----------------------------------------------------------------------------

    async def write_file(self, file: str, contents: str | bytes) -> None:
        path = self._host_path(file)
        if path is None:
            raise PermissionError(f"{file} is on the read-only host system")
        sandbox_path = "/" + str(path.relative_to(self.root))
        if self.sealed and not writable(sandbox_path, self.cfg):
            # once the sample runs, the host writes only where the sandbox itself may write
            raise PermissionError(f"{file} is read-only in this sandbox (writable: {', '.join(writable_paths(self.cfg))})")
        new_dirs = [p for p in reversed(path.parents) if not p.exists()]
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(file)
        data = contents.encode() if isinstance(contents, str) else contents
        path.unlink(missing_ok=True)  # never write through a hard link the model planted
        path.write_bytes(data)
        path.chmod(0o644)
        for p in [*new_dirs, path]:
            self._chown(p)

    @overload
    async def read_file(self, file: str, text: Literal[True] = True) -> str: ...

    @overload
    async def read_file(self, file: str, text: Literal[False]) -> bytes: ...

    async def read_file(self, file: str, text: bool = True) -> str | bytes:
        path = self._host_path(file)
        if path is None:  # a host system file, visible read-only inside too
            real = os.path.realpath(file)
            # never the host's /proc, /dev, /sys, nor a host link leading out of the system dirs
            if not is_host_system(real) or real.startswith(("/proc/", "/dev/", "/sys/")):
                raise PermissionError(f"{file} is not readable from the sandbox")
            path = Path(real)
        if not path.exists():
            raise FileNotFoundError(file)
        verify_read_file_size(str(path))
        data = path.read_bytes()
        return data.decode("utf-8") if text else data

    def _host_path(self, file: str) -> Path | None:
        """Where a sandbox path lives on the host; None for the read-only host system.

        Symlinks are followed as the sandbox sees them (absolute targets restart at the
        sample's root), so a link the model made can never reach a host file.
        """
        sandbox_path = file if file.startswith("/") else f"{self.cfg.workdir.rstrip('/')}/{file}"
        if is_host_system(sandbox_path):
            return None
        parts = [p for p in sandbox_path.split("/") if p not in ("", ".")]
        resolved: list[str] = []
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == "..":
                if resolved:
                    resolved.pop()
                continue
            candidate = self.root.joinpath(*resolved, part)
            if candidate.is_symlink():
                hops += 1
                if hops > 40:
                    raise OSError(f"too many symlinks in {file}")
                target = os.readlink(candidate)
                if target.startswith("/"):
                    resolved = []
                parts = [p for p in target.split("/") if p not in ("", ".")] + parts
                continue
            resolved.append(part)
        return self.root.joinpath(*resolved)

    def _chown(self, path: Path, recursive: bool = False) -> None:
        if os.geteuid() != 0:
            return
        uid = self.uid
        os.chown(path, uid, uid, follow_symlinks=False)
        if recursive:
            for dirpath, dirnames, filenames in os.walk(path):
                for name in dirnames + filenames:
                    os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)

    def default_polling_interval(self) -> float:
        return 0.2


def _take_slot(taken: set[int]) -> tuple[int, int]:
    """The lowest uid slot free in this process and every other (an flock per slot, held until
    cleanup), so concurrent runs on one machine never share a sample uid; and the lock's fd."""
    lock_dir = Path(tempfile.gettempdir()) / "stagewise-bwrap-slots"
    lock_dir.mkdir(mode=0o700, exist_ok=True)
    for slot in range(100000):
        if slot in taken:
            continue
        fd = os.open(lock_dir / str(slot), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        return slot, fd
    raise RuntimeError("no free sandbox uid slot")


def _mount_tmpfs(root: Path, cfg: BwrapConfig, uid: int) -> bool:
    """Make `root` a size- and inode-limited tmpfs (nosuid, nodev) when we may mount; else False.

    The kernel then enforces the disk limit on every write, unlinked-open files and inodes
    included, and no setuid bit made inside has any effect on the host."""
    if os.geteuid() != 0:
        return False
    opts = f"size={cfg.disk_mb}m,nr_inodes={cfg.inodes},mode=0755,uid={uid},gid={uid},nosuid,nodev"
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "stagewise-sample", str(root)], check=False, capture_output=True)
    return res.returncode == 0


def _kill(proc: asyncio.subprocess.Process) -> None:
    """Kill the wrapper's process group; bwrap's --die-with-parent then ends the namespace."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


async def _read_capped(stream: asyncio.StreamReader | None, limit: int) -> bytes:
    """Read a stream to its end, keeping only the last `limit` bytes."""
    if stream is None:
        return b""
    buf = bytearray()
    while chunk := await stream.read(65536):
        buf += chunk
        if len(buf) > limit:
            del buf[: len(buf) - limit]
    return bytes(buf)
