"""The generation cache, keyed by checkpoint *content* (not model name or path).

Inspect's own cache keys on the model name, so a checkpoint retrained in place would be served
stale outputs; here the key starts with the checkpoint's content hash. One SQLite file (WAL
mode) under the stagewise cache dir; safe across processes, and every finished generation is
durable the moment it is written, which is what makes a killed run resume without recomputing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

from stagewise._atomic import cache_root


class GenerationCache:
    def __init__(self, path: Path | None = None) -> None:
        # STAGEWISE_GEN_CACHE points one process at its own file (a Ray worker's, merged by the driver).
        override = os.environ.get("STAGEWISE_GEN_CACHE")
        self.path = path or (Path(override) if override else cache_root() / "generations.sqlite")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        try:
            self._open()
        except sqlite3.DatabaseError as e:  # not a database, or damaged: it only holds recomputable outputs
            self._set_aside(e)
            self._open()

    def _open(self) -> None:
        with self._conn() as c:
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("CREATE TABLE IF NOT EXISTS gen (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            c.execute("SELECT COUNT(*) FROM gen").fetchone()

    def _set_aside(self, error: sqlite3.DatabaseError) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        os.replace(self.path, aside)
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        print(f"warning: generation cache {self.path} is unreadable ({error}); moved it to {aside.name} and "
              "started an empty one (generations will be recomputed)", file=sys.stderr, flush=True)

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
        self.put_many([(key, json.dumps(value))])

    def rows_since(self, rowid: int) -> tuple[int, list[tuple[str, str]]]:
        """(last rowid, [(key, value JSON)]) of the rows written after `rowid`."""
        rows = self._conn().execute("SELECT rowid, key, value FROM gen WHERE rowid > ? ORDER BY rowid",
                                    (rowid,)).fetchall()
        return (rows[-1][0] if rows else rowid), [(k, v) for _, k, v in rows]

    def put_many(self, rows: list[tuple[str, str]]) -> None:
        """Insert (key, value JSON) rows in one transaction."""
        with self._conn() as c:
            c.executemany("INSERT OR REPLACE INTO gen (key, value) VALUES (?, ?)", rows)

    def __len__(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM gen").fetchone()[0])
