"""`python -m stagewise.sandbox`: check that the bwrap sandbox works here and contains escapes."""

from __future__ import annotations

import asyncio

from stagewise.sandbox._bwrap import BwrapConfig
from stagewise.sandbox.environment import BwrapSandboxEnvironment

ATTEMPTS = {
    "network": "python3 -c \"import socket; socket.create_connection(('1.1.1.1', 80), timeout=3)\" 2>&1 | tail -1",
    "write host system": "echo x > /usr/bin/evil 2>&1; echo x > /etc/evil 2>&1",
    "read host files": "ls -A /root /work /home 2>&1 | tr '\\n' ' '",
    "fork bomb": "bomb() { bomb | bomb & }; bomb; sleep 1; echo done",
    "fill the disk": "head -c 100000000 /dev/zero > big",
}


async def self_check() -> None:
    """Run each escape attempt in a fresh sandbox and print its last line of output."""
    envs = await BwrapSandboxEnvironment.sample_init("self-check", BwrapConfig(max_processes=32, file_size_mb=16), {})
    sb = envs["default"]
    try:
        for name, cmd in ATTEMPTS.items():
            r = await sb.exec(["bash", "-c", cmd], timeout=20)
            out = (r.stdout + r.stderr).strip().splitlines()
            print(f"{name:18} exit={r.returncode:<4} {out[-1] if out else ''}")
    finally:
        await BwrapSandboxEnvironment.sample_cleanup("self-check", None, envs, False)


if __name__ == "__main__":
    asyncio.run(self_check())
