"""Checkpoint sources: materialising, content hashes, clear errors."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from stagewise.checkpoints import content_hash, load_chat_template, materialize, resolve
from stagewise.errors import CheckpointError
from stagewise.evaluate.study import GGUFSource, HFSource, OpenAISource, PackagedSource


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    return materialize(PackagedSource(name="smollm2-135m-instruct"))


def test_packaged_gguf_converts_once_to_a_cached_hf_dir(smollm2_dir: Path) -> None:
    assert (smollm2_dir / "config.json").is_file()
    assert any(smollm2_dir.glob("*.safetensors"))
    assert materialize(PackagedSource(name="smollm2-135m-instruct")) == smollm2_dir
    assert not list(smollm2_dir.parent.glob(".tmp-*")), "no half-written conversions left behind"


def test_content_hash_follows_content_not_path(smollm2_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(smollm2_dir, copy)
    assert content_hash(copy) == content_hash(smollm2_dir)
    (copy / "config.json").write_text((copy / "config.json").read_text().replace("}", ', "x": 1}', 1))
    assert content_hash(copy) != content_hash(smollm2_dir)


def test_resolve_local_gives_stagewise_model_with_hash(smollm2_dir: Path) -> None:
    r = resolve(HFSource(path=smollm2_dir), name="smol")
    assert r.model == "stagewise/smol"
    assert r.model_args["path"] == str(smollm2_dir)
    assert r.content_id == content_hash(smollm2_dir) == r.model_args["content_hash"]


def test_packaged_gemma_gets_its_builtin_template() -> None:
    text = load_chat_template("gemma")
    assert "{% generation %}" in text.replace("{%- generation -%}", "{% generation %}")
    with pytest.raises(CheckpointError, match="neither a builtin"):
        load_chat_template("nonexistent-template")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (HFSource(path=Path("/no/such/dir")), "does not exist"),
        (GGUFSource(path=Path("/no/such/model.gguf")), "GGUF file /no/such/model.gguf not found"),
    ],
)
def test_missing_checkpoint_is_one_clear_line(source: object, message: str) -> None:
    with pytest.raises(CheckpointError, match=message) as err:
        materialize(source)
    assert "\n" not in str(err.value)


def test_corrupt_gguf_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(CheckpointError, match="cannot read GGUF file"):
        materialize(GGUFSource(path=bad))


def test_truncated_safetensors_is_one_clear_line(smollm2_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "cut"
    shutil.copytree(smollm2_dir, copy)
    weights = next(copy.glob("*.safetensors"))
    with weights.open("r+b") as f:
        f.truncate(weights.stat().st_size // 2)
    with pytest.raises(CheckpointError, match="is truncated or damaged .*tensors need") as err:
        materialize(HFSource(path=copy))
    assert "\n" not in str(err.value)
    weights.write_bytes(b"\x05")
    with pytest.raises(CheckpointError, match="header is cut off"):
        materialize(HFSource(path=copy))


def test_template_whose_turn_markers_are_not_special_tokens_is_an_error(smollm2_dir: Path) -> None:
    with pytest.raises(CheckpointError, match="<end_of_turn>, <start_of_turn>.*not special tokens") as err:
        resolve(HFSource(path=smollm2_dir), name="smol", chat_template="gemma")
    assert str(smollm2_dir) in str(err.value) and "'gemma'" in str(err.value)
    assert resolve(HFSource(path=smollm2_dir), name="smol", chat_template="chatml").model_args["chat_template"] == "chatml"


def test_unreachable_endpoint_fails_fast() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CheckpointError, match="unreachable"):
        resolve(OpenAISource(base_url=f"http://127.0.0.1:{port}/v1", model="m"), name="prod")
