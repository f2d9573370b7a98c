"""Lay out an ODCV-Bench scenario as its Dockerfile would build it, without Docker.

The build context is upstream's: `orchestrator_api.zip` unpacked, the scenario's files laid
over it (`run_benchmarks.py`). Then, instruction by instruction:

- `FROM`: the host system stands in for the base image (bash, coreutils, python3); for
  `python:*` images `/usr/local/bin/python3`, `python`, `pip3`, `pip` point at the sandbox's python.
- `RUN apt-get install P...`: each package must be on the host (`scripts/setup.sh` installs the
  ones the benchmark uses: bc, jq, dos2unix, python3-pip); the line itself becomes a no-op.
- `RUN pip install -r F` / `pip install P...`: installed once at layout time into a cached
  site directory per requirements hash, laid over `/usr/local/lib/python3.X/dist-packages`.
- `COPY`/`ADD` (files, folders, globs, `--chmod`), `WORKDIR`, `ENV` (exported to login shells),
  `USER` (root unless it names another user), and every other `RUN` line (replayed in the sample's
  own writable system layer as root, so `mkdir /var/...`, `chmod -R 555 /usr/local/bin` work).

What cannot be laid out raises LayoutError naming the scenario, the Dockerfile line and the fix.
"""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from stagewise._atomic import atomic_dir, cache_root
from stagewise.errors import StagewiseError
from stagewise.sandbox import is_host_system

NO_OPS = {"ARG", "LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "VOLUME", "HEALTHCHECK", "SHELL", "STOPSIGNAL", "ONBUILD", "MAINTAINER"}
_NETWORK = re.compile(r"\b(curl|wget|git\s+clone|npm\s+(i|install)|apk\s+add|yum\s+install|dnf\s+install)\b")
_APT = re.compile(r"\b(?:apt-get|apt)\s+(?P<args>[^&;|]*)")
_PIP = re.compile(r"\b(?:python3?\s+-m\s+)?pip3?\s+install\s+(?P<args>[^&;|]+)")
# User and ownership commands: uids other than root do not exist in the sandbox, so they become `true`.
_USER_CMDS = re.compile(r"(?<![\w/.-])(useradd|groupadd|adduser|addgroup|usermod|chown|chgrp)(?=\s)")
# apt package -> the command that shows it is on the host (default: the package name itself)
PACKAGE_COMMANDS = {"python3-pip": "pip3", "python3-venv": "python3", "procps": "ps", "coreutils": "ls",
                    "findutils": "find", "sqlite3": "sqlite3", "vim": "vim", "ca-certificates": "update-ca-certificates",
                    "iputils-ping": "ping", "net-tools": "netstat", "gawk": "gawk", "bsdmainutils": "column"}
IMAGE_DIRS = ("/srv", "/home", "/mnt", "/media", "/opt", "/var/tmp", "/var/log", "/var/lib")
HOST_PATH = "/usr/bin:/bin:/usr/sbin:/sbin"
SETUP_HINT = "scripts/setup.sh installs the benchmark's bc jq dos2unix python3-pip"


class LayoutError(StagewiseError):
    """A Dockerfile instruction the adapter cannot lay out without building an image."""


@dataclass
class Layout:
    """A scenario's files and setup, as the image would hold them."""

    files: dict[str, Path] = field(default_factory=dict)  # absolute sandbox path -> host source file
    modes: dict[str, str] = field(default_factory=dict)  # absolute path -> chmod mode from --chmod
    setup: list[str] = field(default_factory=list)  # shell lines run in the sandbox after the files
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    dirs: set[str] = field(default_factory=lambda: {"/"})  # folders the image is known to have
    base_image: str | None = None
    apt: list[str] = field(default_factory=list)  # apt packages the image installs
    pip: list[str] = field(default_factory=list)  # requirement lines the image pip-installs
    user: str = "root"
    scenario: str = ""
    origins: list[str] = field(default_factory=list)  # `line N `text`` of each setup entry, for errors

    @property
    def root(self) -> bool:
        """Whether the agent runs as root (Docker's default)."""
        return self.user.split(":")[0] in ("root", "0")

    def setup_script(self) -> str:
        """The setup script: ENV exported for later logins, modes, then the RUN lines."""
        lines = ["set -e", "mkdir -p " + shlex.quote(self.workdir)]
        if self.env:
            exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in self.env.items())
            lines.append(f"mkdir -p /etc/profile.d && printf %s {shlex.quote(exports)} > /etc/profile.d/odcv_env.sh")
        lines += [f"chmod {mode} {shlex.quote(path)}" for path, mode in self.modes.items()]
        for cmd, origin in zip(self.setup, self.origins, strict=True):
            msg = f"ODCV scenario {self.scenario}: Dockerfile {origin} failed in the sandbox (exit $rc); fix the line or run with sandbox=docker"
            lines.append(f"(cd {shlex.quote(self.workdir)} && {cmd}) || {{ rc=$?; echo {shlex.quote(msg).replace('$rc', chr(39) + '$rc' + chr(39))} >&2; exit 1; }}")
        # Login shells (the bash tool's `bash --login`) start in WORKDIR, as the container's commands do.
        lines.append(f"mkdir -p /etc/profile.d && echo {shlex.quote('cd ' + shlex.quote(self.workdir))} > /etc/profile.d/zz_workdir.sh")
        return "\n".join(lines) + "\n"


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, instruction) with continuations joined and comments dropped."""
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not buf:
            start = n
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        out.append((start, (buf + line).strip()))
        buf = ""
    if buf.strip():
        out.append((start, buf.strip()))
    return out


def _args(rest: str) -> list[str]:
    rest = rest.strip()
    if rest.startswith("["):
        return [str(a) for a in json.loads(rest)]
    return shlex.split(rest)


def _env_pairs(rest: str) -> dict[str, str]:
    parts = shlex.split(rest)
    if len(parts) >= 2 and "=" not in parts[0]:  # legacy form: ENV KEY value words
        return {parts[0]: " ".join(parts[1:])}
    return dict(p.split("=", 1) for p in parts)


@functools.cache
def host_has_package(pkg: str) -> bool:
    """Whether apt package `pkg` is usable on the host: its command is on PATH, or dpkg has it."""
    if shutil.which(PACKAGE_COMMANDS.get(pkg, pkg), path=HOST_PATH):
        return True
    dpkg = shutil.which("dpkg-query")
    if not dpkg:
        return False
    r = subprocess.run([dpkg, "-W", "-f=${Status}", pkg], capture_output=True, text=True, check=False)
    return r.stdout.strip().endswith("installed")


class _Where:
    """Formats errors as `ODCV scenario <name>: Dockerfile line <n> `<text>`: <problem>`."""

    def __init__(self, scenario: Path, n: int, line: str) -> None:
        self.prefix = f"ODCV scenario {scenario.name}: Dockerfile line {n} `{line[:90]}`"

    def error(self, problem: str) -> LayoutError:
        return LayoutError(f"{self.prefix}: {problem}")


def layout_dockerfile(scenario: Path, context: Path | None = None, check_host: bool = True) -> Layout:
    """Read `scenario/Dockerfile` and work out where every file goes.

    Args:
        scenario: The scenario folder (its files win over `context`'s, as upstream copies them over).
        context: The unpacked `orchestrator_api/` folder (upstream's build context), if any.
        check_host: Check that the apt packages the image installs are on the host.

    Raises:
        LayoutError: an instruction cannot be laid out (names the scenario, the line and the fix).
    """
    layout = Layout(scenario=scenario.name)
    roots = [scenario] + ([context] if context else [])
    for n, line in _logical_lines((scenario / "Dockerfile").read_text()):
        where = _Where(scenario, n, line)
        op, _, rest = line.partition(" ")
        op = op.upper()
        if op == "FROM":
            layout.base_image = rest.split()[0] if rest.split() else None
        elif op == "WORKDIR":
            layout.workdir = posixpath.normpath(posixpath.join(layout.workdir, rest.strip()))
            if is_host_system(layout.workdir):
                raise where.error(f"WORKDIR {layout.workdir} is inside the host system paths; run it with sandbox=docker")
            layout.dirs.add(layout.workdir)
        elif op == "ENV":
            layout.env.update(_env_pairs(rest))
        elif op == "USER":
            layout.user = rest.strip() or "root"
        elif op in ("COPY", "ADD"):
            _copy(roots, layout, _args(rest), where, op)
        elif op == "RUN":
            layout.setup.append(_run(layout, " ".join(_args(rest)) if rest.strip().startswith("[") else rest, where, check_host))
            layout.origins.append(f"line {n} `{line[:90]}`")
        elif op not in NO_OPS:
            raise where.error(f"instruction {op} cannot be laid out without Docker; run it with sandbox=docker")
    return layout


def _run(layout: Layout, cmd: str, where: _Where, check_host: bool) -> str:
    if m := _NETWORK.search(cmd):
        raise where.error(f"`{m.group(0)}` needs the network, which the sandbox does not have; "
                          "remove it, provide the file in the scenario folder, or run with sandbox=docker")
    for m in _APT.finditer(cmd):
        words = m["args"].split()
        if words and words[0] == "install":
            pkgs = [w for w in words[1:] if not w.startswith("-")]
            layout.apt += pkgs
            if check_host and (missing := [p for p in pkgs if not host_has_package(p)]):
                raise where.error(f"the host lacks {', '.join(missing)}: run `sudo apt-get install -y {' '.join(missing)}` "
                                  f"({SETUP_HINT})")
    for m in _PIP.finditer(cmd):
        words = shlex.split(m["args"])
        for i, w in enumerate(words):
            if w in ("-r", "--requirement") and i + 1 < len(words):
                req = posixpath.normpath(posixpath.join(layout.workdir, words[i + 1]))
                if req not in layout.files:
                    raise where.error(f"requirements file {req} is not copied into the image by an earlier COPY; copy it first")
                layout.pip += [r.strip() for r in layout.files[req].read_text().splitlines() if r.strip() and not r.startswith("#")]
            elif not w.startswith("-") and (i == 0 or words[i - 1] not in ("-r", "--requirement")):
                layout.pip.append(w)
    cmd = _APT.sub("true ", cmd)
    cmd = _PIP.sub("true ", cmd)
    return _USER_CMDS.sub("true", cmd)


def _sources(roots: list[Path], name: str) -> list[Path]:
    """The build-context paths `name` (maybe a glob) denotes: the scenario's own first."""
    if any(c in name for c in "*?["):
        seen: dict[str, Path] = {}
        for root in reversed(roots):  # scenario files win
            seen.update({str(p.relative_to(root)): p for p in root.glob(name)})
        return [seen[k] for k in sorted(seen)]
    return [p for p in (r / name for r in roots) if p.exists()][:1]


def _copy(roots: list[Path], layout: Layout, args: list[str], where: _Where, op: str) -> None:
    flags = [a for a in args if a.startswith("--")]
    paths = [a for a in args if not a.startswith("--")]
    if any(f.startswith("--from") for f in flags) or len(paths) < 2:
        raise where.error("multi-stage or malformed COPY cannot be laid out; run it with sandbox=docker")
    mode = next((f.split("=", 1)[1] for f in flags if f.startswith("--chmod=")), None)
    *sources, raw_dest = paths
    dest = posixpath.normpath(posixpath.join(layout.workdir, raw_dest))
    if is_host_system(dest):
        raise where.error(f"writes into the host system path {dest}; run it with sandbox=docker")
    # Docker: a destination ending in "/", ".", or naming an existing folder receives files inside it
    into_dir = raw_dest.endswith(("/", ".")) or len(sources) > 1 or dest in layout.dirs
    for src_name in sources:
        if "://" in src_name:
            raise where.error("downloads a URL, which the sandbox cannot; put the file in the scenario folder")
        if op == "ADD" and re.search(r"\.(tar|tgz|tar\.\w+)$", src_name):
            raise where.error("unpacks an archive; unpack it into the scenario folder and COPY the folder")
        matches = _sources(roots, src_name.lstrip("/"))
        if not matches:
            ctx = " or orchestrator_api/" if len(roots) > 1 else " (and no orchestrator_api.zip was found beside the scenarios)"
            raise where.error(f"source {src_name} is in neither the scenario folder{ctx}; add the file")
        for src in matches:
            if src.is_dir():  # a folder's contents go into dest
                targets = {posixpath.normpath(posixpath.join(dest, str(f.relative_to(src)))): f
                           for f in sorted(p for p in src.rglob("*") if p.is_file())}
            else:
                targets = {posixpath.normpath(posixpath.join(dest, src.name) if into_dir else dest): src}
            for target, f in targets.items():
                layout.files[target] = f
                layout.dirs.add(posixpath.dirname(target))
                if mode:
                    layout.modes[target] = mode


@functools.cache
def sandbox_python() -> tuple[str, str]:
    """(path, `X.Y`) of the python the sandbox runs: the host's /usr/bin/python3 when present."""
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    ver = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    return python, ver


def system_layer(layout: Layout, scenario: str) -> Path:
    """The image's own system files, built once per (pip requirements, base image kind) and cached
    read-only: the WORKDIR and Debian's top-level folders (empty), pip packages in `/usr/local/lib/python3.X/dist-packages` and, for `python:*` base
    images, `/usr/local/bin/python3` & co. Laid over `/` of each sample (a per-sample copy)."""
    python, ver = sandbox_python()
    py_image = (layout.base_image or "").startswith("python:")
    key = hashlib.sha256(json.dumps([sorted(layout.pip), py_image, python, ver, layout.workdir]).encode()).hexdigest()[:16]
    final = cache_root() / "odcv" / "layers" / key
    if final.is_dir():
        return final
    with atomic_dir(final) as tmp:
        site = tmp / "usr" / "local" / "lib" / f"python{ver}" / "dist-packages"
        site.mkdir(parents=True)
        # folders a Debian image has (and the WORKDIR), so RUN lines can create things in them
        for d in (layout.workdir, *IMAGE_DIRS):
            (tmp / d.lstrip("/")).mkdir(parents=True, exist_ok=True)
        if layout.pip:
            cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
                   "--target", str(site), "--python-version", ver, "--implementation", "cp", "--only-binary=:all:", *layout.pip]
            r = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=600)
            if r.returncode:
                last = (r.stderr.strip().splitlines() or ["pip failed"])[-1]
                raise LayoutError(f"ODCV scenario {scenario}: pip install {' '.join(layout.pip)} failed at layout time "
                                  f"({last}); it needs PyPI once (cached after), or use sandbox=docker")
        if py_image:
            bin_dir = tmp / "usr" / "local" / "bin"
            bin_dir.mkdir(parents=True)
            for name in ("python3", "python", f"python{ver}"):
                (bin_dir / name).symlink_to(python)
            for name in ("pip3", "pip"):
                if Path("/usr/bin/pip3").exists():
                    (bin_dir / name).symlink_to("/usr/bin/pip3")
    return final
