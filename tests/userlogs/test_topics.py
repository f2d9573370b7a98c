"""Embed (real packaged MiniLM), cluster, report with the k threshold, sample: on a small log."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stagewise.userlogs.cluster import cluster, load_clusters
from stagewise.userlogs.embed import embed, embedding_path, shard_paths
from stagewise.userlogs.ingest import IngestConfig, ingest
from stagewise.userlogs.report import topic_table, write_report
from stagewise.userlogs.sample import sample
from stagewise.userlogs.synthetic import write_synthetic


@pytest.fixture(scope="module")
def clustered(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("topics")
    log = write_synthetic(tmp / "log.jsonl", 260, seed=5)
    out = ingest(IngestConfig(inputs=[str(log)], out_dir=tmp / "ingest", shard_size=80, progress=False))
    embed(out, progress=False)
    cluster(out, k=8, top_k=3)
    return out


def test_embeddings_are_normalised_and_resume(clustered):
    shards = shard_paths(clustered)
    paths = [embedding_path(clustered, s) for s in shards]
    arr = np.load(paths[0])
    assert arr.shape[1] == 384 and np.allclose(np.linalg.norm(arr, axis=1), 1, atol=1e-4)
    before = {p: p.stat().st_mtime_ns for p in paths}
    paths[-1].unlink()
    embed(clustered, progress=False)
    assert all(p.stat().st_mtime_ns == before[p] for p in paths[:-1])  # finished shards untouched
    assert paths[-1].exists()


def test_clusters_follow_topics(clustered):
    import pandas as pd

    infos = load_clusters(clustered)
    base = [c for c in infos if c.level == 0]
    assert len(base) == 8 and len([c for c in infos if c.level == 1]) == 3
    assert all(c.terms for c in base if c.size)
    conv = pd.read_parquet(clustered / "conversations")
    assign = pd.read_parquet(clustered / "clusters" / "assignments.parquet")
    lines = [json.loads(line)["topic"] for line in open(clustered.parent / "log.jsonl")]
    truth = [lines[int(r) - 1] for r in conv["source_line"]]
    assert assign["id"].tolist() == conv["id"].tolist()
    # purity: most conversations share their cluster's majority topic (random labels give ~0.2)
    df = pd.DataFrame({"cluster": assign["cluster"].values, "topic": truth})
    purity = df.groupby("cluster")["topic"].agg(lambda s: s.value_counts().iloc[0]).sum() / len(df)
    assert purity > 0.5


def test_report_hides_small_clusters_and_raw_text(clustered):
    sizes = sorted(c.size for c in load_clusters(clustered) if c.level == 0)
    k_min = sizes[len(sizes) // 2]
    table = topic_table(clustered, k_min=k_min)
    assert all(r["size"] >= k_min for r in table["clusters"])
    hidden = [s for s in sizes if s < k_min]
    assert table["suppressed"] == {"clusters": len(hidden), "conversations": sum(hidden)}
    md = write_report(clustered, k_min=k_min).read_text()
    assert "examples" not in json.dumps(table) and "?" not in md  # synthetic prompts end with '?'
    with_text = topic_table(clustered, k_min=k_min, show_text=True)
    assert all(r["examples"] for r in with_text["clusters"])


def test_sample_is_seeded_and_stratified(clustered):
    a = [json.loads(x) for x in sample(clustered, 40, seed=1, stratify=True).read_text().splitlines()]
    b = [json.loads(x) for x in sample(clustered, 40, seed=1, stratify=True, out=clustered / "b.jsonl")
         .read_text().splitlines()]
    c = [json.loads(x) for x in sample(clustered, 40, seed=2).read_text().splitlines()]
    assert [r["id"] for r in a] == [r["id"] for r in b] and len(a) == 40
    assert {r["id"] for r in a} != {r["id"] for r in c}
    sizes = {c.id: c.size for c in load_clusters(clustered) if c.level == 0}
    total = sum(sizes.values())
    for cid, size in sizes.items():
        got = sum(r["cluster"] == cid for r in a)
        assert abs(got - 40 * size / total) < 1.01
    assert all(r["messages"][0]["role"] in ("user", "system") and "cluster_name" in r for r in a)


def test_model_names_only_clusters_at_or_above_k(clustered, tmp_path):
    import shutil

    from inspect_ai.model import ModelOutput, ModelUsage, get_model

    from stagewise.userlogs.naming import name_clusters

    d = tmp_path / "copy"
    shutil.copytree(clustered, d)
    sizes = sorted(c.size for c in load_clusters(d) if c.level == 0)
    k_min = sizes[len(sizes) // 2]
    out = ModelOutput.from_content(model="mockllm/model", content="NAME: Cooking and recipes")
    out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    name_clusters(d, get_model("mockllm/model", custom_outputs=[out] * 20, memoize=False), k_min=k_min)
    for c in load_clusters(d):
        if c.level == 0:
            assert (c.name == "Cooking and recipes") == (c.size >= k_min)
