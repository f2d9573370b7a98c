"""SFT on a tiny offline model: real steps, weights and loss move, manifest, resume, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stagewise.errors import StagewiseError
from stagewise.train import TrainError, read_manifest
from stagewise.train.config import config_from_dict
from stagewise.train.sft import main as sft_main
from tests.train.conftest import max_weight_change, tiny_sft_config


class _Interrupt(Exception):
    pass


def _callback(stop_at: int | None = None, seen: list[int] | None = None):
    from transformers import TrainerCallback

    class Cb(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN201
            if seen is not None:
                seen.append(state.global_step)
            if stop_at is not None and state.global_step == stop_at:
                raise _Interrupt(f"killed after step {stop_at}")

    return Cb()


def test_sft_trains_writes_a_rung_and_resumes_after_a_kill(tiny_base: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sft"
    cfg = config_from_dict(tiny_sft_config(tiny_base, out))
    with pytest.raises(_Interrupt):
        sft_main(cfg, callbacks=[_callback(stop_at=3)])
    partial = tmp_path / "sft.partial"
    assert not out.exists(), "a killed run must never leave a registered checkpoint"
    assert (partial / "checkpoint-2").is_dir()
    # A kill right after the Trainer created checkpoint-3/ leaves it without weights or state.
    (partial / "checkpoint-3").mkdir()
    (partial / "checkpoint-3" / "README.md").write_text("half-saved")
    capsys.readouterr()

    steps: list[int] = []
    assert sft_main(cfg, callbacks=[_callback(seen=steps)]) == out
    assert steps == [3, 4], "the rerun continues from checkpoint-2 instead of starting over"
    err = capsys.readouterr().err
    assert "skipping incomplete" in err and "checkpoint-3" in err
    assert f"resuming from {partial / 'checkpoint-2'}" in err
    assert not partial.exists()

    manifest = read_manifest(out)
    assert manifest["stage"] == "sft" and manifest["train"]["global_step"] == 4
    assert manifest["data"]["rows"] == 16 and manifest["data"]["safety_rows"] == 8
    assert len(manifest["data"]["sha256"]) == 64 and manifest["base"]["content_hash"]
    assert manifest["code"]["stagewise"] and "git_commit" in manifest["code"]
    assert manifest["trl_args"]["assistant_only_loss"] is True and manifest["trl_args"]["eos_token"] == "<|im_end|>"
    first, last = manifest["train"]["first_loss"], manifest["train"]["last_loss"]
    assert first is not None and last is not None and first != last
    assert max_weight_change(tiny_base, out) > 1e-4

    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(out))
    assert tok.eos_token == "<|im_end|>", "the rung must stop at the end of its turn"
    assert "generation" in tok.chat_template
    assert sft_main(cfg) == out  # finished rungs are reused, not retrained


def test_a_partial_run_with_another_config_is_not_resumed(tiny_base: Path, tmp_path: Path) -> None:
    cfg = config_from_dict(tiny_sft_config(tiny_base, tmp_path / "sft"))
    with pytest.raises(_Interrupt):
        sft_main(cfg, callbacks=[_callback(stop_at=3)])
    changed = config_from_dict(tiny_sft_config(tiny_base, tmp_path / "sft", learning_rate=1e-4))
    with pytest.raises(TrainError, match="interrupted run with another config"):
        sft_main(changed)


def test_bad_input_is_a_clear_error_or_a_counted_skip(tiny_base: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.jinja"
    plain.write_text("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    cfg = tiny_sft_config(tiny_base, tmp_path / "a")
    with pytest.raises(TrainError, match="no \\{% generation %\\} markers"):
        sft_main(config_from_dict({**cfg, "chat_template": str(plain)}))
    with pytest.raises(TrainError, match="longer than max_length 12"):
        sft_main(config_from_dict({**cfg, "trl": {**cfg["trl"], "max_length": 12}}))
    with pytest.raises(TrainError, match="trl.no_such_option is not a SFTConfig field"):
        sft_main(config_from_dict({**cfg, "trl": {**cfg["trl"], "no_such_option": 1}}))
    assert not (tmp_path / "a.partial").exists(), "an aborted start leaves no empty partial folder"
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes(b'{"messages": [{"role": "user", "content": "caf\xe9"}]}\n')
    with pytest.raises(StagewiseError, match="latin1.jsonl is not UTF-8 text .* line 1"):
        sft_main(config_from_dict({**cfg, "mixture": {"sources": [{"path": str(latin1)}]}}))
    long_row = {"messages": [{"role": "user", "content": "word " * 200}, {"role": "assistant", "content": "ok"}]}
    extra = tmp_path / "long.jsonl"
    extra.write_text(json.dumps(long_row) + "\n")
    skipping = {**cfg, "skip_invalid": True, "trl": {**cfg["trl"], "max_steps": 1}, "mixture": {
        "sources": [{"path": "bundled:sft_helpful.jsonl", "count": 4}, {"path": str(extra)}]}}
    out = sft_main(config_from_dict(skipping))
    data = read_manifest(out)["data"]
    assert data["skipped_too_long"] == 1 and data["rows"] == 4


def test_an_existing_foreign_output_dir_is_never_overwritten(tiny_base: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(TrainError, match="exists but is not a finished stagewise rung"):
        sft_main(config_from_dict(tiny_sft_config(tiny_base, out)))
    assert (out / "notes.txt").read_text() == "keep me"
