"""The Ray Data path for embedding: shards -> `map_batches` on a Ray cluster -> `.npy` files.

Used when `stagewise logs embed --ray-address ADDR` is given (`auto` for a running cluster,
`local` to start a single-machine instance). Each shard is read with `ray.data.read_parquet`,
embedded by a pool of actors that each load the encoder once, and written back atomically,
so an interrupted run resumes shard by shard. Install with `pip install "ray[data]"`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from stagewise.errors import StagewiseError


class _Encoder:
    """A Ray actor: loads the sentence encoder once, embeds batches of prompts."""

    def __init__(self, model: str, max_seq_length: int, batch_size: int) -> None:
        from stagewise.userlogs.encoder import load_encoder

        self.encoder = load_encoder(model, max_seq_length)
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        from stagewise.userlogs.encoder import encode

        emb = encode(self.encoder, [str(t) for t in batch["prompt"]], self.batch_size)
        return {"row": batch["row"], "embedding": list(emb)}


def embed_on_ray(shards: list[Path], outputs: list[Path], model: str, batch_size: int, max_seq_length: int,
                 address: str, concurrency: int = 1) -> None:
    """Embed `shards` on Ray, writing each shard's embeddings to the matching `outputs` path."""
    try:
        import ray
    except ImportError:
        raise StagewiseError("--ray-address needs Ray: pip install 'ray[data]' (or drop --ray-address)") from None
    import pyarrow.parquet as pq

    from stagewise.userlogs.encoder import save_array

    if not ray.is_initialized():
        ray.init(address=None if address == "local" else address, ignore_reinit_error=True,
                 include_dashboard=False, log_to_driver=False)
    for shard, out in zip(shards, outputs):
        table = pq.read_table(shard, columns=["prompt"])
        ds = ray.data.from_items([{"row": i, "prompt": p} for i, p in enumerate(table.column("prompt").to_pylist())])
        rows = ds.map_batches(_Encoder, fn_constructor_args=(model, max_seq_length, batch_size),
                              batch_size=batch_size * 8, concurrency=concurrency, batch_format="numpy").take_all()
        rows.sort(key=lambda r: int(r["row"]))
        save_array(out, np.stack([np.asarray(r["embedding"], dtype=np.float32) for r in rows]) if rows
              else np.zeros((0, 384), np.float32))
