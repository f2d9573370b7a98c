"""The generation cache: a damaged file is set aside with one warning and rebuilt."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagewise.providers._cache import GenerationCache


def test_roundtrip(tmp_path: Path) -> None:
    cache = GenerationCache(tmp_path / "gen.sqlite")
    cache.put("k", {"text": "hi"})
    assert cache.get("k") == {"text": "hi"} and len(cache) == 1


@pytest.mark.parametrize("garbage", [b"this is not a database" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_corrupt_cache_is_set_aside_and_rebuilt(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                garbage: bytes) -> None:
    path = tmp_path / "gen.sqlite"
    path.write_bytes(garbage)
    cache = GenerationCache(path)
    cache.put("k", {"text": "hi"})
    assert cache.get("k") == {"text": "hi"}
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "unreadable" in err and "recomputed" in err
    aside = list(tmp_path.glob("gen.sqlite.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    GenerationCache(path)  # the rebuilt file opens without a warning
    assert capsys.readouterr().err == ""
