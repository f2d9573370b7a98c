"""A crash mid-ingest loses nothing written: the rerun resumes and equals an uninterrupted run."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import stagewise.userlogs.ingest as ingest_mod
from stagewise.userlogs.ingest import IngestConfig, ResumeError, ingest
from stagewise.userlogs.synthetic import write_synthetic


def _cfg(log, out, **kw):
    return IngestConfig(inputs=[str(log)], out_dir=out, shard_size=50, progress=False, **kw)


def test_resume_after_a_crash_matches_an_uninterrupted_run(tmp_path, monkeypatch, capsys):
    log = write_synthetic(tmp_path / "log.jsonl", 300, seed=3)
    scrubbed = {"n": 0}
    real_scrub = ingest_mod.scrub

    def counting_scrub(*a, **k):
        scrubbed["n"] += 1
        return real_scrub(*a, **k)

    monkeypatch.setattr(ingest_mod, "scrub", counting_scrub)
    ingest(_cfg(log, tmp_path / "full"))
    full_calls, scrubbed["n"] = scrubbed["n"], 0

    real_write, calls = ingest_mod._write_parquet, {"n": 0}

    def crash_on_third_write(*a, **k):
        calls["n"] += 1
        if calls["n"] == 5:  # shards 0 and 1 (kept + dropped each) are written, then a crash
            raise KeyboardInterrupt
        return real_write(*a, **k)

    monkeypatch.setattr(ingest_mod, "_write_parquet", crash_on_third_write)
    with pytest.raises(KeyboardInterrupt):
        ingest(_cfg(log, tmp_path / "resumed"))
    progress = json.loads((tmp_path / "resumed" / "progress.json").read_text())
    assert progress["shards"] == 2 and not (tmp_path / "resumed" / "manifest.json").exists()

    monkeypatch.setattr(ingest_mod, "_write_parquet", real_write)
    scrubbed["n"] = 0
    capsys.readouterr()
    ingest(_cfg(log, tmp_path / "resumed"))
    said = capsys.readouterr().err
    assert f"resuming {tmp_path / 'resumed'}: {progress['records_consumed']} records and 2 shard(s) already done" in said
    assert f"continuing from record {progress['records_consumed'] + 1}" in said
    full = json.loads((tmp_path / "full" / "manifest.json").read_text())
    resumed = json.loads((tmp_path / "resumed" / "manifest.json").read_text())
    for key in ("records", "kept", "dropped", "personal_data_replaced", "shards"):
        assert full[key] == resumed[key], key
    a = pd.read_parquet(tmp_path / "full" / "conversations")
    b = pd.read_parquet(tmp_path / "resumed" / "conversations")
    assert a["id"].tolist() == b["id"].tolist() and a["prompt"].tolist() == b["prompt"].tolist()
    # the finished shards' records were not scrubbed again
    assert 0 < scrubbed["n"] < full_calls * 0.8

    scrubbed["n"] = 0
    ingest(_cfg(log, tmp_path / "resumed"))  # finished: a no-op
    assert scrubbed["n"] == 0 and "already finished" in capsys.readouterr().err


def test_other_inputs_in_the_same_folder_are_refused(tmp_path):
    log = write_synthetic(tmp_path / "log.jsonl", 120, seed=1)
    out = tmp_path / "out"
    ingest(_cfg(log, out, limit=60))
    (out / "manifest.json").unlink()
    with pytest.raises(ResumeError, match="--force"):
        ingest(_cfg(log, out, limit=100))
    ingest(_cfg(log, out, limit=100), force=True)
    assert json.loads((out / "manifest.json").read_text())["records"] == 100


def test_force_leaves_no_stale_shards(tmp_path):
    log = write_synthetic(tmp_path / "log.jsonl", 200, seed=1)
    out = tmp_path / "out"
    ingest(_cfg(log, out))
    assert len(list((out / "conversations").glob("*.parquet"))) == 4
    ingest(_cfg(log, out, limit=60), force=True)
    assert len(list((out / "conversations").glob("*.parquet"))) == 2
