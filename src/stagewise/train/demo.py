"""The demo ladder: the packaged Gemma 3 270M base -> SFT (LoRA) on the bundled mixture -> DPO on
the bundled preference pairs. Small enough for 2 CPU cores; rerunning reuses finished rungs.

The configs are `demo_sft.yaml` and `demo_dpo.yaml` beside this file (the same values as
`configs/train/demo-*.yaml`); only `base` and `output_dir` are set here.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from stagewise.train import dpo, sft
from stagewise.train.config import config_from_dict


def demo_config(stage: str, base: str, output_dir: Path) -> dict:
    """The bundled demo config of `stage` ("sft" or "dpo") with its base and output set."""
    text = (resources.files("stagewise.train") / f"demo_{stage}.yaml").read_text()
    return {**yaml.safe_load(text), "base": base, "output_dir": str(output_dir), "stage": stage}


def build_demo_ladder(out_dir: Path) -> dict[str, Path]:
    """Train (or reuse) the demo's `sft` and `dpo` rungs under `out_dir`; return their dirs."""
    out_dir = Path(out_dir).resolve()
    sft_dir = sft.main(config_from_dict(demo_config("sft", "packaged:gemma3-270m", out_dir / "sft"), "demo sft"))
    dpo_dir = dpo.main(config_from_dict(demo_config("dpo", f"hf:{sft_dir}", out_dir / "dpo"), "demo dpo"))
    return {"sft": sft_dir, "dpo": dpo_dir}
