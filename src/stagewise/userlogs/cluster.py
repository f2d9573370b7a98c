"""Topics, Clio-style: k-means base clusters over prompt embeddings, a hierarchy above, names.

Base clusters come from scikit-learn's MiniBatchKMeans trained by `partial_fit` over the
memory-mapped shard embeddings (a few passes), so memory stays flat as the log grows. The
hierarchy is Ward agglomeration of the base centroids into `top_k` parents. Names are the
top distinctive terms by class-based TF-IDF (offline), or come from a model given in-cluster
and contrastive (nearest-cluster) examples (`stagewise.userlogs.naming`).

Writes `clusters/assignments.parquet` (id, shard, row, cluster) and `clusters/clusters.json`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stagewise._atomic import atomic_write_text
from stagewise.errors import StagewiseError
from stagewise.userlogs.embed import DEFAULT_MODEL, load_embeddings, shard_paths

_PLACEHOLDER_WORDS = ["email", "phone", "card", "ssn", "gov_id", "iban", "ip", "address", "name", "url_credentials"]


@dataclass
class ClusterInfo:
    """One cluster: base clusters have a parent; parents have children."""

    id: int
    level: int  # 0 = base, 1 = parent
    size: int
    terms: list[str]
    name: str
    parent: int | None = None
    children: list[int] | None = None
    neighbours: list[int] | None = None
    named_by: str | None = None  # the model that wrote `name`; None = c-TF-IDF terms


def default_k(n: int) -> int:
    """About 200 conversations per base cluster, between 2 and 1000 clusters."""
    return int(min(1000, max(2, n // 200)))


def _chunks(arrays: list[np.ndarray], size: int) -> Any:
    for a in arrays:
        for i in range(0, len(a), size):
            yield np.asarray(a[i:i + size], dtype=np.float32)


def fit_kmeans(arrays: list[np.ndarray], k: int, seed: int = 0, passes: int = 3, chunk: int = 4096) -> Any:
    """MiniBatchKMeans trained chunk by chunk (never all embeddings in memory)."""
    from sklearn.cluster import MiniBatchKMeans

    km = MiniBatchKMeans(n_clusters=k, random_state=seed, batch_size=min(chunk, 2048), n_init=3,
                         init_size=max(3 * k, 1024))
    first = np.concatenate(list(_take(arrays, max(3 * k, chunk))))
    km.partial_fit(first)  # the first chunk must hold at least k points to initialise
    for _ in range(passes):
        for c in _chunks(arrays, chunk):
            if len(c) >= 1:
                km.partial_fit(c)
    return km


def _take(arrays: list[np.ndarray], n: int) -> Any:
    got = 0
    for a in arrays:
        if got >= n:
            return
        part = np.asarray(a[: n - got], dtype=np.float32)
        got += len(part)
        yield part


def _ctfidf(ingest_dir: Path, labels: list[np.ndarray], k: int, n_terms: int, min_df: int) -> np.ndarray:
    """Class-based TF-IDF (BERTopic): per-cluster term counts weighted by log(1 + A / f_t)."""
    import pyarrow.parquet as pq
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    shards = shard_paths(ingest_dir)
    fit_texts: list[str] = []
    for s in shards:
        fit_texts += pq.read_table(s, columns=["prompt"]).column("prompt").to_pylist()
        if len(fit_texts) >= 20_000:
            break
    vec = CountVectorizer(stop_words=list(ENGLISH_STOP_WORDS | set(_PLACEHOLDER_WORDS)), max_features=20_000,
                          min_df=min(min_df, max(1, len(fit_texts) // 10)), token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]{2,}\b")
    vec.fit(t[:2000] for t in fit_texts)
    counts = sp.csr_matrix((k, len(vec.vocabulary_)), dtype=np.float32)
    for s, lab in zip(shards, labels):
        x = vec.transform(t[:2000] for t in pq.read_table(s, columns=["prompt"]).column("prompt").to_pylist())
        onehot = sp.csr_matrix((np.ones(len(lab), np.float32), (lab, np.arange(len(lab)))), shape=(k, len(lab)))
        counts = counts + onehot @ x
    return counts.tocsr(), vec.get_feature_names_out()  # sparse: k x vocabulary stays small


def _top_terms(counts: Any, vocab: np.ndarray, n_terms: int) -> list[list[str]]:
    col = np.asarray(counts.sum(axis=0)).ravel()
    idf = np.log(1 + (col.sum() / max(1, counts.shape[0])) / np.maximum(col, 1))
    out = []
    for i in range(counts.shape[0]):
        row = counts.getrow(i)
        if row.nnz == 0:
            out.append([])
            continue
        score = row.data / row.data.sum() * idf[row.indices]
        out.append([str(vocab[row.indices[j]]) for j in np.argsort(-score)[:n_terms]])
    return out


def cluster(ingest_dir: Path, k: int | None = None, top_k: int | None = None, model: str = DEFAULT_MODEL,
            seed: int = 0, n_terms: int = 5, min_df: int = 5) -> Path:
    """Cluster the embedded prompts; returns the `clusters` folder (skips work already done)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sklearn.cluster import AgglomerativeClustering

    arrays = load_embeddings(ingest_dir, model)
    n = sum(len(a) for a in arrays)
    if n < 2:
        raise StagewiseError(f"{ingest_dir}: {n} embedded prompts; run `stagewise logs embed` on a larger ingest")
    k = min(k or default_k(n), n)
    top_k = min(top_k or max(2, round(k ** 0.5)), k)
    out = ingest_dir / "clusters"
    params = {"k": k, "top_k": top_k, "model": model, "seed": seed, "n": n, "n_terms": n_terms, "min_df": min_df}
    meta = out / "clusters.json"
    if meta.exists() and json.loads(meta.read_text())["params"] == params:
        return out
    km = fit_kmeans(arrays, k, seed)
    labels = [km.predict(np.asarray(a, dtype=np.float32)) if len(a) else np.zeros(0, int) for a in arrays]
    sizes = np.bincount(np.concatenate(labels), minlength=k)
    centroids = km.cluster_centers_
    parents = AgglomerativeClustering(n_clusters=top_k, linkage="ward").fit_predict(centroids) if top_k > 1 \
        else np.zeros(k, dtype=int)
    counts, vocab = _ctfidf(ingest_dir, labels, k, n_terms, min_df)
    base_terms = _top_terms(counts, vocab, n_terms)
    import scipy.sparse as sp

    to_parent = sp.csr_matrix((np.ones(k, np.float32), (parents, np.arange(k))), shape=(top_k, k))
    parent_counts = (to_parent @ counts).tocsr()
    parent_terms = _top_terms(parent_counts, vocab, n_terms)
    sims = centroids @ centroids.T
    np.fill_diagonal(sims, -np.inf)
    infos = [ClusterInfo(id=c, level=0, size=int(sizes[c]), terms=base_terms[c], name=" / ".join(base_terms[c][:3]),
                         parent=int(parents[c]), neighbours=[int(j) for j in np.argsort(-sims[c])[:3]])
             for c in range(k)]
    infos += [ClusterInfo(id=p, level=1, size=int(sizes[parents == p].sum()), terms=parent_terms[p],
                          name=" / ".join(parent_terms[p][:3]), children=[int(c) for c in np.flatnonzero(parents == p)])
              for p in range(top_k)]
    rows_id, rows_shard, rows_row, rows_c = [], [], [], []
    for i, (s, lab) in enumerate(zip(shard_paths(ingest_dir), labels)):
        rows_id += pq.read_table(s, columns=["id"]).column("id").to_pylist()
        rows_shard += [i] * len(lab)
        rows_row += list(range(len(lab)))
        rows_c += lab.tolist()
    import io

    from stagewise._atomic import atomic_write_bytes

    buf = io.BytesIO()
    pq.write_table(pa.table({"id": rows_id, "shard": rows_shard, "row": rows_row, "cluster": rows_c}), buf)
    atomic_write_bytes(out / "assignments.parquet", buf.getvalue())
    atomic_write_text(meta, json.dumps({"params": params, "clusters": [asdict(c) for c in infos]}, indent=1))
    return out


def load_clusters(ingest_dir: Path) -> list[ClusterInfo]:
    """The clusters written by `cluster` (base clusters first, then parents)."""
    path = ingest_dir / "clusters" / "clusters.json"
    if not path.exists():
        raise StagewiseError(f"{ingest_dir} has no clusters yet; run `stagewise logs cluster {ingest_dir}`")
    return [ClusterInfo(**c) for c in json.loads(path.read_text())["clusters"]]
