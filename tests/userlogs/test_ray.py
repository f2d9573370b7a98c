"""The Ray Data path on a local single-machine Ray instance (slow: starting Ray takes a while)."""

from __future__ import annotations

import numpy as np
import pytest

from stagewise.userlogs.embed import embed, embedding_path, shard_paths
from stagewise.userlogs.ingest import IngestConfig, ingest
from stagewise.userlogs.synthetic import write_synthetic


@pytest.mark.slow
def test_embedding_on_local_ray_matches_in_process(tmp_path):
    ray = pytest.importorskip("ray")
    log = write_synthetic(tmp_path / "log.jsonl", 120, seed=2)
    a = ingest(IngestConfig(inputs=[str(log)], out_dir=tmp_path / "a", shard_size=50, progress=False))
    b = ingest(IngestConfig(inputs=[str(log)], out_dir=tmp_path / "b", shard_size=50, progress=False))
    embed(a, progress=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        embed(b, ray_address="local")
    finally:
        ray.shutdown()
    for sa, sb in zip(shard_paths(a), shard_paths(b)):
        ea, eb = np.load(embedding_path(a, sa)), np.load(embedding_path(b, sb))
        assert ea.shape == eb.shape and np.allclose(ea, eb, atol=1e-4)
