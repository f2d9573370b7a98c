"""Lay out an ODCV-Bench scenario as its Dockerfile would, without building an image.

Supported: `FROM` (the sandbox's own system stands in for the base image), `WORKDIR`,
`COPY`/`ADD` of local files and folders (`--chown` ignored, `--chmod` applied), `ENV`, `RUN`
(replayed in the sandbox as the sample's setup script; user and ownership commands such as
`useradd` and `chown` become no-ops, as the sandbox has one user; commands that need the
network, such as `pip install` of a package the sandbox lacks or `apt-get install`, and `ADD`
of an archive cannot be laid out), and the
no-ops `ARG`, `LABEL`, `EXPOSE`, `USER`, `CMD`, `ENTRYPOINT`, `VOLUME`, `HEALTHCHECK`,
`SHELL`, `STOPSIGNAL`, `ONBUILD`. Anything else makes the scenario unsupported.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from stagewise.errors import StagewiseError
from stagewise.sandbox._bwrap import is_host_system

NO_OPS = {"ARG", "LABEL", "EXPOSE", "USER", "CMD", "ENTRYPOINT", "VOLUME", "HEALTHCHECK", "SHELL", "STOPSIGNAL", "ONBUILD", "MAINTAINER"}
_NETWORK = re.compile(r"\b(apt-get|apt|apk|yum|dnf)\s+(install|update|add)\b|\b(curl|wget|git\s+clone|npm\s+(i|install))\b")
_PIP = re.compile(r"\bpip3?\s+install\s+(?P<args>[^&;|]+)")
# User and ownership commands: the sandbox has one user, so they become `true` (which ignores its args).
_USER_CMDS = re.compile(r"(?<![\w/.-])(useradd|groupadd|adduser|addgroup|usermod|chown|chgrp)(?=\s)")
# pip names whose import name differs
_IMPORT_NAMES = {"scikit-learn": "sklearn", "pyyaml": "yaml", "beautifulsoup4": "bs4", "python-dateutil": "dateutil", "pillow": "PIL"}


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

    def setup_script(self) -> str:
        """The setup script: ENV exported for later logins, modes, then the RUN lines."""
        lines = ["set -e", "mkdir -p " + shlex.quote(self.workdir)]
        if self.env:
            exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in self.env.items())
            lines.append(f"mkdir -p /etc/profile.d && printf %s {shlex.quote(exports)} > /etc/profile.d/odcv_env.sh")
        lines += [f"chmod {mode} {shlex.quote(path)}" for path, mode in self.modes.items()]
        lines += self.setup
        # Login shells (the bash tool's `bash --login`) start in WORKDIR, as `docker exec` would.
        lines.append(f"mkdir -p /etc/profile.d && echo {shlex.quote('cd ' + shlex.quote(self.workdir))} > /etc/profile.d/zz_workdir.sh")
        return "\n".join(lines) + "\n"


def _logical_lines(text: str) -> list[str]:
    out: list[str] = []
    buf = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        out.append((buf + line).strip())
        buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def _args(rest: str) -> list[str]:
    rest = rest.strip()
    if rest.startswith("["):
        return [str(a) for a in json.loads(rest)]
    return shlex.split(rest)


@functools.cache
def _sandbox_has(module: str) -> bool:
    """Whether the sandbox's python (the system /usr/bin/python3) can import `module`."""
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    return subprocess.run([python, "-c", probe], check=False, capture_output=True, timeout=60).returncode == 0


def _pip_missing(args: str) -> list[str]:
    missing = []
    for token in args.split():
        if token.startswith("-"):
            continue
        name = re.split(r"[<>=!~\[]", token)[0].lower()
        module = _IMPORT_NAMES.get(name, name.replace("-", "_"))
        if name and not _sandbox_has(module):
            missing.append(name)
    return missing


def _env_pairs(rest: str) -> dict[str, str]:
    parts = shlex.split(rest)
    if len(parts) >= 2 and "=" not in parts[0]:  # legacy form: ENV KEY value words
        return {parts[0]: " ".join(parts[1:])}
    return dict(p.split("=", 1) for p in parts)


def layout_dockerfile(scenario: Path) -> Layout:
    """Read `scenario/Dockerfile` and work out where every file goes.

    Raises:
        LayoutError: an instruction cannot be laid out (names the scenario and the line).
    """
    layout = Layout()
    dockerfile = scenario / "Dockerfile"
    for line in _logical_lines(dockerfile.read_text()):
        op, _, rest = line.partition(" ")
        op = op.upper()
        if op == "FROM":
            layout.base_image = rest.split()[0] if rest.split() else None
        elif op == "WORKDIR":
            layout.workdir = posixpath.normpath(posixpath.join(layout.workdir, rest.strip()))
            if is_host_system(layout.workdir):
                raise LayoutError(f"ODCV scenario {scenario.name}: WORKDIR {layout.workdir} is in the host system paths; use docker for it")
            layout.dirs.add(layout.workdir)
        elif op == "ENV":
            layout.env.update(_env_pairs(rest))
        elif op in ("COPY", "ADD"):
            _copy(scenario, layout, _args(rest), line, op)
        elif op == "RUN":
            cmd = " ".join(_args(rest)) if rest.strip().startswith("[") else rest
            if _NETWORK.search(cmd):
                raise LayoutError(f"ODCV scenario {scenario.name}: `{line[:80]}` needs the network; skip it or build its image with docker")
            for m in _PIP.finditer(cmd):
                if missing := _pip_missing(m["args"]):
                    raise LayoutError(f"ODCV scenario {scenario.name}: needs {', '.join(missing)} (pip install them into the sandbox's python, or use docker)")
            cmd = _USER_CMDS.sub("true", _PIP.sub("true", cmd))
            layout.setup.append(cmd)
        elif op not in NO_OPS:
            raise LayoutError(f"ODCV scenario {scenario.name}: Dockerfile instruction {op} cannot be laid out without docker")
    return layout


def _copy(scenario: Path, layout: Layout, args: list[str], line: str, op: str = "COPY") -> None:
    flags = [a for a in args if a.startswith("--")]
    paths = [a for a in args if not a.startswith("--")]
    if any(f.startswith("--from") for f in flags) or len(paths) < 2:
        raise LayoutError(f"ODCV scenario {scenario.name}: `{line[:80]}` cannot be laid out (multi-stage or malformed COPY)")
    mode = next((f.split("=", 1)[1] for f in flags if f.startswith("--chmod=")), None)
    *sources, raw_dest = paths
    dest = posixpath.normpath(posixpath.join(layout.workdir, raw_dest))
    if is_host_system(dest):
        raise LayoutError(f"ODCV scenario {scenario.name}: `{line[:80]}` writes into the host system path {dest}; use docker for it")
    # Docker: a destination ending in "/", ".", or naming an existing folder receives files inside it
    into_dir = raw_dest.endswith(("/", ".")) or len(sources) > 1 or dest in layout.dirs
    for src_name in sources:
        if op == "ADD" and re.search(r"\.(tar|tgz|tar\.\w+)$", src_name):
            raise LayoutError(f"ODCV scenario {scenario.name}: `{line[:80]}` unpacks an archive; cannot be laid out")
        if "://" in src_name:
            raise LayoutError(f"ODCV scenario {scenario.name}: `{line[:80]}` downloads a URL; cannot be laid out offline")
        matches = sorted(scenario.glob(src_name)) if any(c in src_name for c in "*?[") else [scenario / src_name]
        for src in matches:
            if not src.exists():
                raise LayoutError(f"ODCV scenario {scenario.name}: COPY source {src_name} is missing from the scenario folder")
            if src.is_dir():  # a folder's contents go into dest
                for f in sorted(p for p in src.rglob("*") if p.is_file()):
                    target = posixpath.normpath(posixpath.join(dest, str(f.relative_to(src))))
                    layout.files[target] = f
                    layout.dirs.add(posixpath.dirname(target))
                    if mode:
                        layout.modes[target] = mode
            else:
                target = posixpath.normpath(posixpath.join(dest, src.name) if into_dir else dest)
                layout.files[target] = src
                layout.dirs.add(posixpath.dirname(target))
                if mode:
                    layout.modes[target] = mode
