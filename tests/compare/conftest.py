"""Simulation helpers: many simulated datasets as ONE results table, each dataset its own
metric, so a single `compare` call analyses them all through the real code path."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest


def _sim_table(values: dict[str, np.ndarray], stages: dict[str, str]) -> pd.DataFrame:
    """values: rung -> array (n_sims, n_epochs, n_items); simulation s becomes metric `sim/m<s>`."""
    frames = []
    for r_i, (rung, v) in enumerate(values.items()):
        sims, epochs, items = v.shape
        s, e, i = np.meshgrid(np.arange(sims), np.arange(epochs), np.arange(items), indexing="ij")
        frames.append(
            pd.DataFrame(
                {
                    "rung": rung,
                    "stage": stages[rung],
                    "rung_index": r_i,
                    "benchmark": "sim",
                    "metric": np.char.add("m", np.char.zfill(s.ravel().astype(str), 5)),
                    "item_id": i.ravel().astype(str),
                    "epoch": e.ravel() + 1,
                    "value": v.ravel(),
                    "judge": "sim",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def sim_table() -> Callable[[dict[str, np.ndarray], dict[str, str]], pd.DataFrame]:
    return _sim_table
