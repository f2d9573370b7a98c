"""Finding benchmark files: local paths, and the cached download of the pinned file."""

from __future__ import annotations

import hashlib

import pytest

from stagewise.errors import StagewiseError
from stagewise.evals._data import DataFile, fetch, read_csv, resolve_data_file


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("STAGEWISE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _spec(url: str, sha: str | None = None) -> DataFile:
    return DataFile(benchmark="demo", filename="demo.csv", url=url, revision="abc123" * 7, sha256=sha)


def test_local_file_folder_and_root(tmp_path):
    f = tmp_path / "demo" / "demo.csv"
    f.parent.mkdir()
    f.write_text("a\n1\n")
    spec = _spec("https://example.invalid/demo.csv")
    assert resolve_data_file(spec, f) == f
    assert resolve_data_file(spec, f.parent) == f
    assert resolve_data_file(spec, tmp_path) == f  # a folder of benchmark folders


def test_download_is_cached_and_checked(tmp_path, cache):
    src = tmp_path / "upstream.csv"
    src.write_bytes(b"a,b\n1,2\n")
    spec = _spec(src.as_uri(), hashlib.sha256(b"a,b\n1,2\n").hexdigest())
    path = fetch(spec)
    assert path.read_bytes() == b"a,b\n1,2\n" and path.is_relative_to(cache / "data" / "demo")
    src.unlink()  # a second call reads the cache, no network
    assert resolve_data_file(spec, None) == path
    assert read_csv(path, ("a", "b")) == [{"a": "1", "b": "2"}]


def test_wrong_checksum_is_refused(tmp_path, cache):
    src = tmp_path / "upstream.csv"
    src.write_bytes(b"tampered\n")
    with pytest.raises(StagewiseError, match="SHA-256"):
        fetch(_spec(src.as_uri(), "0" * 64))
    assert not list(cache.rglob("demo.csv"))


def test_unreachable_url_says_what_to_do(tmp_path, cache):
    with pytest.raises(StagewiseError) as e:
        fetch(_spec((tmp_path / "absent.csv").as_uri()))
    assert "could not download" in str(e.value) and "data_path" in str(e.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"prompt,type\ncaf\xe9,safe\n", r"not UTF-8 text \(byte 0xe9 on line 2\).*iconv"),
        (b"prompt,type\n", "has a header but no rows"),
        (b"other\nx\n", "lacks column"),
    ],
)
def test_bad_csv_is_one_line(tmp_path, content, message):
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    with pytest.raises(StagewiseError, match=message) as err:
        read_csv(f, ("prompt", "type"))
    assert "\n" not in str(err.value) and str(f) in str(err.value)


def test_bom_is_dropped(tmp_path):
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbfprompt,type\nhi,safe\n")
    assert read_csv(f, ("prompt", "type")) == [{"prompt": "hi", "type": "safe"}]
