"""The generation cache, keyed by checkpoint *content* (not model name or path).

Inspect's own cache keys on the model name, so a checkpoint retrained in place would be served
stale outputs; here the key starts with the checkpoint's content hash. One SQLite file (WAL
mode) under the stagewise cache dir; safe across processes, and every finished generation is
durable the moment it is written, which is what makes a killed run resume without recomputing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from stagewise._atomic import cache_root


class GenerationCache:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_root() / "generations.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._conn() as c:
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("CREATE TABLE IF NOT EXISTS gen (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30)
            self._local.conn = conn
        return conn

    @staticmethod
    def key(content_id: str, prompt: str, params: dict[str, Any]) -> str:
        blob = json.dumps({"content": content_id, "prompt": prompt, "params": params}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._conn().execute("SELECT value FROM gen WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        with self._conn() as c:
            c.execute("INSERT OR REPLACE INTO gen (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def __len__(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM gen").fetchone()[0])
