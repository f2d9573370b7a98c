"""Every format and shape is read; bad input is counted by line and skipped; alien schemas stop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stagewise.userlogs._schema import SchemaError, normalise
from stagewise.userlogs.ingest import IngestConfig, ingest

from .conftest import write_jsonl


def _ingest(inputs: list[Path], out: Path, **kw) -> dict:
    ingest(IngestConfig(inputs=[str(i) for i in inputs], out_dir=out, progress=False, **kw))
    return json.loads((out / "manifest.json").read_text())


def _prompts(out: Path) -> dict[str, str]:
    import pandas as pd

    df = pd.read_parquet(out / "conversations")
    return dict(zip(df["id"], df["prompt"]))


def test_every_shape_normalises_to_the_first_user_turn(shapes):
    for shape, rec in shapes.items():
        conv = normalise(rec, "fallback")
        assert conv.shape == shape
        assert shape in conv.prompt or "single prompt" in conv.prompt
        assert all(role in ("user", "assistant", "system") for role, _ in conv.turns)


def test_every_file_format_is_ingested(every_format, tmp_path):
    m = _ingest([every_format], tmp_path / "out")
    prompts = _prompts(tmp_path / "out")
    assert m["kept"] == 9 and m["dropped"] == {}
    assert prompts["o1"] == "openai prompt about tea"
    assert prompts["p2"] == "parquet prompt about glaciers"
    assert prompts["c1"].startswith("csv prompt about bread")
    assert any("owls" in p for p in prompts.values())


def test_bad_input_is_counted_by_line_and_skipped(tmp_path):
    log = write_jsonl(tmp_path / "bad.jsonl", [
        {"messages": [{"role": "user", "content": "good one about tea"}]},      # 1
        {"messages": []},                                                       # 2 empty
        {"foo": "bar"},                                                         # 3 unknown shape
    ], tail=(b'{"messages": [oops\n'                                            # 4 malformed
             b'{"prompt": "caf\xe9"}\n'                                         # 5 not UTF-8
             + json.dumps({"prompt": "x" * 5_000_000}).encode() + b"\n"         # 6 a 5 MB prompt
             + b'{"prompt": "good two about coffee"}\n'                         # 7
             + b'{"prompt": "cut off mid-rec'))                                 # 8 truncated
    m = _ingest([log], tmp_path / "out")
    assert m["kept"] == 2
    assert m["dropped"] == {"empty": 1, "unknown_schema": 1, "malformed": 1, "non_utf8": 1, "too_long": 1,
                            "truncated": 1}
    assert {(b["line"], b["reason"]) for b in m["bad_lines"]} == {
        (3, "unknown_schema"), (4, "malformed"), (5, "non_utf8"), (6, "too_long"), (8, "truncated")}


def test_bad_csv_rows_are_skipped(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"id,prompt\nr1,fine prompt about maps\nr2,caf\xe9\nr3,too,many\nr4,another prompt on tides\n")
    m = _ingest([p], tmp_path / "out")
    assert m["kept"] == 2 and m["dropped"] == {"non_utf8": 1, "malformed": 1}


def test_unrecognisable_schema_stops_with_the_accepted_shapes(tmp_path):
    log = write_jsonl(tmp_path / "alien.jsonl", [{"question": f"q{i}", "answer": "a"} for i in range(60)])
    with pytest.raises(SchemaError, match="accepted shapes: OpenAI .*WildChat.*LMSYS.*ShareGPT"):
        _ingest([log], tmp_path / "out")


def test_sharegpt_json_array_file(tmp_path, shapes):
    p = tmp_path / "sharegpt.json"
    p.write_text(json.dumps([shapes["sharegpt"], 5, {"id": "s2", "conversations": [{"from": "human", "value": "b"}]}]))
    m = _ingest([p], tmp_path / "out")
    assert m["kept"] == 2 and m["dropped"] == {"not_an_object": 1}
    assert m["bad_lines"] == [{"file": str(p), "line": 2, "reason": "not_an_object"}]
