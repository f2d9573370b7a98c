"""Training configs: YAML + overrides -> TrainConfig, paths, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stagewise.evaluate.study import HFSource, PackagedSource
from stagewise.train import TrainError, load_train_config
from stagewise.train.demo import demo_config

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_demo_configs_load_and_match_the_packaged_demo() -> None:
    sft = load_train_config(ROOT / "configs/train/demo-sft.yaml", "sft")
    assert isinstance(sft.base, PackagedSource) and sft.lora is not None and sft.trl["max_length"] == 128
    assert sft.output_dir == ROOT / "runs/train/demo-sft"
    dpo = load_train_config(ROOT / "configs/train/demo-dpo.yaml", "dpo")
    assert isinstance(dpo.base, HFSource) and dpo.base.path == ROOT / "runs/train/demo-sft"
    for stage in ("sft", "dpo"):
        shipped = yaml.safe_load((ROOT / f"configs/train/demo-{stage}.yaml").read_text())
        packaged = demo_config(stage, "x", Path("y"))
        for key in ("mixture", "lora", "trl"):
            assert shipped[key] == packaged[key], f"configs/train/demo-{stage}.yaml drifted from the demo's {key}"


def test_overrides_apply_before_validation(tmp_path: Path) -> None:
    cfg = load_train_config(ROOT / "configs/train/demo-sft.yaml", "sft",
                            ["trl.max_steps=3", "lora=null", f"output_dir={tmp_path}/o", "mixture.seed=7"])
    assert cfg.trl["max_steps"] == 3 and cfg.lora is None and cfg.mixture.seed == 7
    assert cfg.output_dir == tmp_path / "o"


@pytest.mark.parametrize(("override", "message"), [
    ("base=openai:http://x#m", "base must be local weights"),
    ("trl.output_dir=x", "set output_dir at the top level"),
    ("lora.rank=4", "lora.rank: Extra inputs are not permitted"),
    ("mixture.sources=[]", "mixture.sources"),
    ("trl", "must look like key.sub=value"),
])
def test_bad_configs_say_what_to_fix(override: str, message: str) -> None:
    with pytest.raises(TrainError, match=message):
        load_train_config(ROOT / "configs/train/demo-sft.yaml", "sft", [override])


def test_stage_mismatch_names_the_right_command() -> None:
    with pytest.raises(TrainError, match="run `stagewise train dpo`"):
        load_train_config(ROOT / "configs/train/demo-dpo.yaml", "sft")
