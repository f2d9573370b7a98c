"""hub:wildchat / hub:lmsys / hub:ORG/NAME through the real `datasets` streaming loader, offline.

Local Parquet copies in the published WildChat-1M and LMSYS-Chat-1M schemas, laid out like
their hub repos, stand in for the hub: only the repo id resolution (`HUB_DATASETS`) is
pointed at them, so `load_dataset(..., streaming=True)`, shape detection, scrubbing and the
ingest run unchanged. Reaching the real hub (login, gated terms) is not tested here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("datasets")

from stagewise.cli import main  # noqa: E402
from stagewise.userlogs import hub  # noqa: E402
from stagewise.userlogs._schema import SchemaError  # noqa: E402
from stagewise.userlogs.hub import HubError, hub_records  # noqa: E402
from stagewise.userlogs.ingest import IngestConfig, ingest  # noqa: E402

from .hub_repos import LMSYS_SCHEMA, WILDCHAT_SCHEMA, lmsys_row, write_hub_repo, wildchat_row  # noqa: E402

WILDCHAT_TURNS = [
    [("user", "My name is Ada Lovelace, write to ada.l@example.org about my order"),
     ("assistant", "Sure. What should the email say?"),
     ("user", "Ask them to call me on (415) 555-0199")],
    [("user", "Explain how suspension bridges carry their load"), ("assistant", "The cables take the tension.")],
    [("user", "explain how suspension bridges carry their load!"), ("assistant", "Again: cables.")],  # duplicate
    [("user", ""), ("assistant", "Hello?")],  # no user text
]
LMSYS_TURNS = [
    [("user", "my SSN is 123-45-6789, is it safe to share it online?"), ("assistant", "No, keep it private.")],
    [("user", "which rivers flow through Vienna?"), ("assistant", "The Danube and the Wien.")],
]


@pytest.fixture
def hub_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Local WildChat-1M and LMSYS-Chat-1M repos, with `hub:wildchat` / `hub:lmsys` resolving to them."""
    wild = write_hub_repo(tmp_path / "allenai" / "WildChat-1M", "WildChat-1M",
                          [wildchat_row(i, t) for i, t in enumerate(WILDCHAT_TURNS)], WILDCHAT_SCHEMA)
    lmsys = write_hub_repo(tmp_path / "lmsys" / "lmsys-chat-1m", "lmsys-chat-1m",
                           [lmsys_row(i, t) for i, t in enumerate(LMSYS_TURNS)], LMSYS_SCHEMA)
    monkeypatch.setitem(hub.HUB_DATASETS, "wildchat", (str(wild), None, "train"))
    monkeypatch.setitem(hub.HUB_DATASETS, "lmsys", (str(lmsys), None, "train"))
    return {"wildchat": wild, "lmsys": lmsys}


def test_hub_records_stream_whole_rows_with_row_numbers(hub_copies):
    records = hub_records("wildchat")
    first = next(records)
    assert iter(records) is records  # a generator: rows come one at a time
    assert first.file == f"hub:{hub_copies['wildchat']}" and first.line == 1
    assert sorted(first.data) == sorted(WILDCHAT_SCHEMA.names)
    assert first.data["conversation"][0]["header"] == {"accept-language": "en-US,en;q=0.9", "user-agent": "Mozilla/5.0"}
    assert [r.line for r in records] == [2, 3, 4]
    assert [sorted(r.data) for r in hub_records("lmsys")] == [sorted(LMSYS_SCHEMA.names)] * 2


def test_ingest_of_wildchat_and_lmsys_detects_shapes_and_scrubs(hub_copies, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["logs", "ingest", "hub:wildchat", "hub:lmsys", "--out", str(out), "--names", "heuristic"]) == 0
    assert "6 records: kept 4, dropped 2 {'empty': 1, 'exact_duplicate': 1}" in capsys.readouterr().out
    m = json.loads((out / "manifest.json").read_text())
    assert m["inputs"] == ["hub:wildchat", "hub:lmsys"]
    assert m["personal_data_replaced"] == {"EMAIL": 1, "NAME": 1, "PHONE": 1, "SSN": 1}

    wild, lmsys = f"hub:{hub_copies['wildchat']}", f"hub:{hub_copies['lmsys']}"
    conv = pd.read_parquet(out / "conversations")
    assert list(zip(conv["source_file"], conv["source_line"], conv["shape"])) == [
        (wild, 1, "wildchat"), (wild, 2, "wildchat"), (lmsys, 1, "lmsys"), (lmsys, 2, "lmsys")]
    assert conv["id"].tolist() == [f"{0:032x}", f"{1:032x}", f"{0:032x}", f"{1:032x}"]
    assert conv["prompt"][0] == "My name is [NAME], write to [EMAIL] about my order"
    assert json.loads(conv["turns"][0])[2] == ["user", "Ask them to call me on [PHONE]"]
    assert conv["prompt"][2] == "my SSN is [SSN], is it safe to share it online?"
    assert conv["n_turns"].tolist() == [2, 1, 1, 1]
    assert json.loads(conv["meta"][0]) == {"language": "English", "model": "gpt-4-0314", "country": "United States",
                                           "state": "Ohio", "toxic": False, "redacted": False}
    assert json.loads(conv["meta"][2]) == {"language": "English", "model": "vicuna-13b", "redacted": False}
    everything = " ".join(conv["prompt"]) + " ".join(conv["turns"])
    for secret in ("Ada Lovelace", "ada.l@example.org", "555-0199", "123-45-6789"):
        assert secret not in everything

    dropped = pd.read_parquet(out / "dropped")
    assert list(zip(dropped["source_file"], dropped["source_line"], dropped["reason"])) == [
        (wild, 3, "exact_duplicate"), (wild, 4, "empty")]


def test_an_unknown_short_name_is_refused(tmp_path):
    with pytest.raises(HubError, match=r"unknown hub dataset 'wildchat-2m'; use wildchat, wildchat-4.8m, lmsys"):
        ingest(IngestConfig(inputs=["hub:wildchat-2m"], out_dir=tmp_path / "out", progress=False))


def test_a_dataset_of_no_known_shape_stops_after_the_probe(tmp_path):
    # Given as hub:ORG/NAME (a local path has a slash): 60 question/answer rows, none a conversation.
    qa = write_hub_repo(tmp_path / "someone" / "qa", "qa", [{"question": f"q{i}", "answer": "a"} for i in range(60)])
    with pytest.raises(SchemaError, match=rf"hub:{qa}: no record of a known shape in its first 50 records"):
        ingest(IngestConfig(inputs=[f"hub:{qa}"], out_dir=tmp_path / "out", progress=False))


def test_offline_and_not_cached_fails_fast_in_one_line(tmp_path):
    # The real CLI and the real hub id, with the hub switched off and an empty cache: datasets
    # must give up at once (no retries), and the user must read what to do.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf"), "OMP_WAIT_POLICY": "PASSIVE"}
    env.pop("HF_DATASETS_OFFLINE", None)
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "stagewise.cli", "logs", "ingest", "hub:wildchat",
                           "--out", str(tmp_path / "out")], env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - start
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and len(errors) == 1, done.stderr[-2000:]
    assert errors[0].startswith("error: hub:allenai/WildChat-1M: HF_HUB_OFFLINE set, so the hub is not contacted")
    for part in ("unset HF_HUB_OFFLINE", "hf auth login", "huggingface-cli login",
                 "accept the dataset's terms at https://huggingface.co/datasets/allenai/WildChat-1M"):
        assert part in errors[0]
    assert elapsed < 60  # a few seconds of imports; the hub's retry loop would take 25 s or more


def _gated_at_load() -> BaseException:
    from datasets.exceptions import DatasetNotFoundError

    return DatasetNotFoundError("Dataset 'allenai/WildChat-1M' is a gated dataset on the Hub. You must be "
                                "authenticated to access it.")


def _gated_mid_stream() -> BaseException:
    # Streaming opens the Parquet files only when rows are read: a 401 then comes from the first row.
    from huggingface_hub.errors import GatedRepoError
    from huggingface_hub.utils import httpx

    url = "https://huggingface.co/datasets/allenai/WildChat-1M/resolve/main/data/train-00000-of-00014.parquet"
    return GatedRepoError(f"401 Client Error.\nCannot access gated repo for url {url}.",
                          response=httpx.Response(401, request=httpx.Request("GET", url)))


@pytest.mark.parametrize(("make_error", "at_load", "words"), [
    (_gated_at_load, True, "DatasetNotFoundError: Dataset 'allenai/WildChat-1M' is a gated dataset on the Hub."),
    (lambda: ConnectionError("Couldn't reach 'allenai/WildChat-1M' on the Hub (ConnectError)"), True,
     "ConnectionError: Couldn't reach 'allenai/WildChat-1M' on the Hub (ConnectError)"),
    (_gated_mid_stream, False, "GatedRepoError: 401 Client Error. Cannot access gated repo for url"),
])
def test_gated_and_network_errors_say_log_in_and_accept_the_terms(monkeypatch, make_error, at_load, words):
    # The hub cannot be reached from here, so the errors datasets / huggingface_hub raise are
    # injected into the loader; the message mapping and its one-line form are what is tested.
    import datasets

    def rows():
        raise make_error()
        yield  # a generator: the error comes on the first row

    def load_dataset(*args, **kwargs):
        if at_load:
            raise make_error()
        return rows()

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(HubError) as e:
        next(hub_records("wildchat"))
    message = str(e.value)
    assert "\n" not in message and words in message
    assert message.startswith("hub:allenai/WildChat-1M: cannot read it from the Hugging Face hub")
    assert "hf auth login" in message and "https://huggingface.co/datasets/allenai/WildChat-1M" in message
    assert "keep HF_HUB_OFFLINE unset" in message


def test_datasets_missing_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(HubError, match=r"hub:lmsys/lmsys-chat-1m needs the `datasets` library: pip install"):
        next(hub_records("lmsys"))
