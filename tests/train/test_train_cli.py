"""`stagewise train sft|dpo`: the CLI parses, overrides, trains, and reports user errors in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stagewise.cli import main as cli
from tests.train.conftest import tiny_sft_config


def test_cli_trains_with_overrides_and_prints_the_rung(tiny_base: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "sft.yaml"
    config.write_text(yaml.safe_dump(tiny_sft_config(tiny_base, tmp_path / "unused")))
    out = tmp_path / "from-cli"
    assert cli(["train", "sft", str(config), "trl.max_steps=1", f"output_dir={out}"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(out)
    assert (out / "stagewise-train.json").is_file()


def test_cli_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["train", "dpo", str(tmp_path / "missing.yaml")]) == 2
    assert capsys.readouterr().err.strip().startswith("error: config ")
    with pytest.raises(SystemExit):
        cli(["train", "ppo", "x.yaml"])
