"""Pure helpers for the bubblewrap sandbox: the limits, the per-sample root and the command line.

A sample's sandbox is a host directory (the *root*) that holds every path the sample owns
(`/workspace`, `/usr/local`, a minimal `/etc`, `/tmp`, whatever the scenario lays out).
Each `exec` starts a fresh `bwrap` over it: the host system (`/usr` without `/usr/local`)
read-only, the root's top-level entries bound read-only or writable, no network, its own
PID/IPC/UTS/user namespaces. Nothing started by one `exec` survives it: when the command
returns, its PID namespace and every process in it are torn down.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from stagewise.errors import StagewiseError


class SandboxError(StagewiseError):
    """The sandbox cannot start on this machine (the message says how to fix it)."""


class BwrapConfig(BaseModel):
    """Limits and layout of one bubblewrap sandbox (passed as `sandbox=("bwrap", BwrapConfig())`).

    Attributes:
        workdir: Working directory of every command (created writable).
        writable: Sandbox paths the command may write (top-level entries of the root, e.g.
            `/workspace`); `["*"]` makes every path the sample laid out writable, as root in a
            container would find it. The host system is always read-only.
        cpu_seconds: CPU-time limit of one command (RLIMIT_CPU).
        memory_mb: Address-space limit of each process (RLIMIT_AS).
        max_processes: Processes in one command's user namespace (RLIMIT_NPROC).
        file_size_mb: Largest file a command may write (RLIMIT_FSIZE).
        disk_mb: Total size of the sample's root. When stagewise runs as root the root is a
            tmpfs of this size (the kernel refuses writes past it, unlinked-open files
            included); otherwise a command that grows it past this is killed (polled).
        inodes: Files and folders the sample's root may hold (the tmpfs's `nr_inodes`).
        timeout_s: Wall-clock limit of one command when the caller gives none.
        host_uid: First host uid of the pool the sandbox runs as when stagewise runs as root
            (root is exempt from the process limit, so it is dropped to an unprivileged uid
            first); each live sample gets its own uid (`host_uid + slot`), so the process
            limit is per sample, never shared by concurrent samples.
        host_python: Also show the Python running stagewise (read-only) inside the sandbox:
            `auto` when the host has no `/usr/bin/python3` (e.g. python:3.x images keep theirs
            in `/usr/local`, which the sandbox replaces with the sample's own).
        root: Give the command root's powers over the sandbox's own files (all capabilities
            inside its user namespace, e.g. to rewrite a `chmod 555` file it owns). It stays
            an unprivileged host uid: nothing outside the sample's root is gained.
        system_writable: Make the sample's system layer (`/usr/local`, `/etc`, `/var`, `/opt`)
            writable, as in a container; every sample has its own copy.
        image: A host directory laid over `/` for each sample (copied into the sample's root
            before the sample's files, so a scenario can prepare `/opt/app`, `/etc/app.conf`...).
            Paths under the host system (`/usr/bin`, `/lib`...) cannot be replaced.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    workdir: str = "/workspace"
    writable: tuple[str, ...] = ("/workspace", "/tmp")
    cpu_seconds: int = 60
    memory_mb: int = 2048
    max_processes: int = 64
    file_size_mb: int = 64
    disk_mb: int = 512
    inodes: int = 65536
    timeout_s: int = 120
    host_uid: int = 200000
    host_python: Literal["auto", "always", "never"] = "auto"
    root: bool = False
    system_writable: bool = False
    image: str | None = None


# Host /etc files a shell and Python need; the host's passwd/group are never shown.
ETC_FILES = (
    "alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "host.conf",
    "localtime", "timezone", "os-release", "debian_version", "python3", "python3.11",
    "profile", "bash.bashrc", "inputrc", "magic", "mime.types", "protocols", "services",
    "shells", "terminfo", "login.defs",
)
PASSWD = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"
HOSTS = "127.0.0.1 localhost\n::1 localhost\n"
SHM_BYTES = 16 * 2**20
# /usr folders a sample may lay out itself (replacing the host's); the rest of /usr is the host's.
SAMPLE_USR_DIRS = ("local", "src", "games", "include")
HOST_SYSTEM = re.compile(r"^/(usr/(?!(local|src|games|include)/)|bin/|sbin/|lib(32|64|x32)?/|proc/|dev/|sys/)")
SYSTEM_LAYER = ("/usr/local", "/etc", "/var", "/opt")
SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def python_mounts(mode: str) -> list[tuple[Path, str]]:
    """(host path, sandbox path) pairs that show the host's Python read-only in the sandbox."""
    if mode == "never" or (mode == "auto" and Path("/usr/bin/python3").exists()):
        return []
    prefix = Path(sys.base_prefix).resolve()
    if str(prefix).startswith("/usr/") and not str(prefix).startswith("/usr/local"):
        return []  # already visible with the host's /usr
    if str(prefix) != "/usr/local":
        return [(prefix, str(prefix))]  # e.g. pyenv or conda: the whole installation
    # /usr/local is the sample's own: show only the interpreter, its stdlib and libpython
    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    paths = [prefix / "lib" / ver, prefix / "bin" / ver, prefix / "bin" / "python3", *sorted((prefix / "lib").glob("libpython3*.so*"))]
    return [(p, str(p)) for p in paths if p.exists()]


def init_root(root: Path, cfg: BwrapConfig | None = None) -> None:
    """Lay out the empty per-sample root: `/etc` (minimal copy), `/usr/local`, `/tmp`, `/root`,
    and mount points for the host Python when it is shown (see `BwrapConfig.host_python`)."""
    etc = root / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    for name in ETC_FILES:
        src = Path("/etc") / name
        if src.is_dir():
            shutil.copytree(src, etc / name, symlinks=True, dirs_exist_ok=True)
        elif src.exists():
            shutil.copy2(src, etc / name, follow_symlinks=True)
    (etc / "passwd").write_text(PASSWD)
    (etc / "group").write_text(GROUP)
    (etc / "hosts").write_text(HOSTS)
    (etc / "hostname").write_text("sandbox\n")
    for d in ("usr/local/bin", "tmp", "root", "var/tmp", "opt"):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "tmp").chmod(0o1777)
    if cfg is not None and cfg.image:
        image = Path(cfg.image)
        if not image.is_dir():
            raise SandboxError(f"sandbox image {image} is not a directory: pass the folder to lay over /")
        shutil.copytree(image, root, symlinks=True, dirs_exist_ok=True)
    for src, dest in python_mounts(cfg.host_python if cfg else "auto"):
        point = root / dest.lstrip("/")
        point.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            point.mkdir(exist_ok=True)
        else:
            point.touch()


def is_host_system(path: str) -> bool:
    """Whether a sandbox path lies in the read-only host system (not in the sample's root)."""
    return bool(HOST_SYSTEM.match(path.rstrip("/") + "/"))


def _system_binds(root: Path) -> list[str]:
    """Read-only binds of the host system: /usr's children (less those the sample replaces), the /bin links."""
    args: list[str] = []
    for child in sorted(Path("/usr").iterdir()):
        if child.name in SAMPLE_USR_DIRS and (child.name == "local" or (root / "usr" / child.name).exists()):
            continue
        if child.is_symlink():
            args += ["--symlink", os.readlink(child), str(child)]
        else:
            args += ["--ro-bind", str(child), str(child)]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        p = Path("/") / top
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), f"/{top}"]
        elif p.is_dir():
            args += ["--ro-bind", str(p), f"/{top}"]
    return args


def writable_paths(cfg: BwrapConfig) -> tuple[str, ...]:
    """The sandbox paths a command may write (the system layer too when `system_writable`)."""
    return (*cfg.writable, *SYSTEM_LAYER) if cfg.system_writable else cfg.writable


def writable(path: str, cfg: BwrapConfig) -> bool:
    """Whether the sandbox path `path` is writable from inside."""
    paths = writable_paths(cfg)
    return "*" in paths or any(path == w or path.startswith(w.rstrip("/") + "/") for w in paths)


def _root_binds(root: Path, cfg: BwrapConfig) -> list[str]:
    """Bind the root's entries: top-level dirs, and /usr/local (the host's is never shown)."""
    args: list[str] = []
    entries = [p for p in sorted(root.iterdir()) if p.name != "usr"]
    usr = root / "usr"
    if usr.is_dir():
        # /usr/local, /usr/src... and any other /usr/<x> the sample laid out that the host lacks
        entries += [p for p in sorted(usr.iterdir()) if p.name in SAMPLE_USR_DIRS or not (Path("/usr") / p.name).exists()]
    for p in entries:
        dest = "/" + str(p.relative_to(root))
        if dest in ("/proc", "/dev"):
            continue
        args += ["--bind" if writable(dest, cfg) else "--ro-bind", str(p), dest]
    return args


def bwrap_command(
    root: Path, cfg: BwrapConfig, cmd: list[str], cwd: str, env: dict[str, str], uid: int | None = None
) -> tuple[list[str], list[str]]:
    """The host command line that runs `cmd` in the sandbox rooted at `root`, in two parts:
    the launcher (`setpriv`, `prlimit`, `bwrap`) and bwrap's options, which go through a file
    descriptor (`bwrap --args FD -- cmd...`) so that no host path shows in the sandbox's `/proc/1/cmdline`.
    The launcher runs under `env -i`: bwrap's init (PID 1 inside) keeps the environment it
    was started with, so it must start with none."""
    limits = [
        _tool("prlimit"),
        f"--cpu={cfg.cpu_seconds}",
        f"--as={cfg.memory_mb * 2**20}",
        f"--nproc={cfg.max_processes}",
        f"--fsize={cfg.file_size_mb * 2**20}",
        "--core=0",
        "--",
    ]
    drop = []
    if os.geteuid() == 0:  # root is exempt from RLIMIT_NPROC: drop to an unprivileged uid first
        host = cfg.host_uid if uid is None else uid
        drop = [_tool("setpriv"), f"--reuid={host}", f"--regid={host}", "--clear-groups", "--"]
    mounts = python_mounts(cfg.host_python)
    python_binds = [a for src, dest in mounts for a in ("--ro-bind", str(src), dest)]
    path = SANDBOX_PATH + "".join(f":{dest}/bin" for src, dest in mounts if src.is_dir() and (src / "bin").is_dir())
    full_env = {"PATH": path, "HOME": "/root", "LANG": "C.UTF-8", "TERM": "dumb", **env}
    env_args = [a for k, v in full_env.items() for a in ("--setenv", k, v)]
    launcher = ["/usr/bin/env", "-i", *drop, *limits, _tool("bwrap")]
    return launcher, [
        "--unshare-all", "--unshare-user", "--uid", "0", "--gid", "0", "--hostname", "sandbox",
        "--die-with-parent", "--new-session", "--clearenv", *env_args,
        *(["--cap-add", "ALL"] if cfg.root else []),
        *_system_binds(root), *_root_binds(root, cfg), *python_binds,
        "--proc", "/proc", "--dev", "/dev", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
        # bwrap's own / and /dev are tmpfs: read-only, so they cannot hold files (or fill memory)
        "--remount-ro", "/dev", "--remount-ro", "/",
        "--chdir", cwd,
    ]  # fmt: skip


@functools.cache
def _tool(name: str) -> str:
    return shutil.which(name) or name


@functools.cache
def check_bwrap() -> None:
    """Fail with one line saying how to fix it when bubblewrap is missing or cannot sandbox."""
    if shutil.which("bwrap") is None:
        raise SandboxError("bubblewrap is not installed: run `apt-get install bubblewrap` (or your distro's package)")
    for tool in ("prlimit", "setpriv") if os.geteuid() == 0 else ("prlimit",):
        if shutil.which(tool) is None:
            raise SandboxError(f"`{tool}` is missing: run `apt-get install util-linux`")
    probe = ["bwrap", "--unshare-all", "--unshare-user", "--ro-bind", "/", "/", "--", "true"]
    if os.geteuid() == 0:
        probe = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", *probe]
    res = subprocess.run(probe, check=False, capture_output=True, text=True, timeout=30)
    if res.returncode != 0:
        why = res.stderr.strip().splitlines()[-1] if res.stderr.strip() else f"exit {res.returncode}"
        raise SandboxError(
            f"bubblewrap cannot create namespaces ({why}): enable unprivileged user namespaces "
            "(`sysctl -w kernel.unprivileged_userns_clone=1`, on Ubuntu 24.04 also "
            "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`), or run the container "
            "with `--security-opt seccomp=unconfined`"
        )


def dir_size(root: Path) -> int:
    """Bytes used by the files under `root` (allocated blocks, so sparse files count as written)."""
    total = 0
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(Path(e.path))
                elif e.is_file(follow_symlinks=False):
                    total += e.stat(follow_symlinks=False).st_blocks * 512
    return total
