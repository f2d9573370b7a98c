"""Build rungs: `stagewise train sft` and `stagewise train dpo` on TRL.

Each stage is a plain `main(config) -> Path` (`stagewise.train.sft.main`,
`stagewise.train.dpo.main`): it trains into `OUTPUT.partial/` (resumable), merges LoRA, and
renames the finished checkpoint into place with `stagewise-train.json` beside the weights.
"""

from stagewise.train.config import DataSource, LoraSpec, Mixture, TeacherSwap, TrainConfig, load_train_config
from stagewise.train.errors import TrainError
from stagewise.train.manifest import MANIFEST, read_manifest
from stagewise.train.mixture import build_mixture

__all__ = [
    "MANIFEST",
    "DataSource",
    "LoraSpec",
    "Mixture",
    "TeacherSwap",
    "TrainConfig",
    "TrainError",
    "build_mixture",
    "load_train_config",
    "read_manifest",
]
