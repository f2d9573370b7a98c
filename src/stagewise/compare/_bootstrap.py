"""Item-level (cluster) bootstrap by resampling weights, without an index matrix per draw.

Every statistic stagewise bootstraps is a function of *totals* over items: the sum of the
scored values and the number of scored values, per rung (and per set of items shared by a
pair). One bootstrap draw of items is a vector of multinomial counts `w` (how often each item
was drawn), and the draw's totals are `w @ columns`. Two tricks keep this fast:

* items with identical rows in `columns` are interchangeable, so we draw counts over the
  distinct rows only (exact, not an approximation): binary single-epoch data on 10 rungs has
  at most 2**10 distinct rows, whatever the number of items;
* when there are many distinct rows (continuous scores, several epochs) the counts are made
  from uniform item indices with `bincount`, a block of draws at a time, so memory stays bounded.
"""

from __future__ import annotations

import numpy as np

# Draw multinomial counts over distinct rows only when rows are this many times fewer than items.
_COMPRESSION_GAIN = 5
# Up to this many counters, one flat bincount over a block of draws stays in cache.
_FLAT_BINCOUNT_MAX = 1_000_000
# Floats per block of resampling weights (8 bytes each): bounds peak memory to ~256 MB.
_BLOCK_FLOATS = 32_000_000


def compress_rows(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of an (items x k) matrix and how many items share each row."""
    if columns.shape[0] == 0:
        return columns, np.zeros(0, dtype=np.int64)
    uniq, counts = np.unique(columns, axis=0, return_counts=True)
    return uniq, counts


def bootstrap_totals(
    columns: np.ndarray, n_boot: int, rng: np.random.Generator, freq: np.ndarray | None = None
) -> np.ndarray:
    """Totals of `columns` over `n_boot` item-bootstrap resamples.

    Args:
        columns: (n_rows, k) per-item values (e.g. sums and counts per rung).
        n_boot: number of resamples.
        rng: the random generator (seeded by the caller, for reproducibility).
        freq: how many items each row stands for (rows already compressed by the caller);
            None: one item per row, compressed here.

    Returns:
        (n_boot, k) array: row b is the column totals of resample b, which draws all
        items with replacement.
    """
    columns = np.asarray(columns, dtype=float)
    if freq is None:
        columns, freq = compress_rows(columns)
    n_rows, k = columns.shape
    n_items = int(freq.sum())
    out = np.empty((n_boot, k))
    if n_items == 0:
        out[:] = 0.0
        return out
    # rng.multinomial costs one binomial draw (~100 ns) per distinct row and resample; uniform
    # indices cost a few ns per item and resample: use the multinomial only on big compressions.
    if n_rows * _COMPRESSION_GAIN <= n_items:
        pvals = freq / n_items
        block = max(1, min(n_boot, _BLOCK_FLOATS // n_rows))
        for start in range(0, n_boot, block):
            stop = min(n_boot, start + block)
            w = rng.multinomial(n_items, pvals, size=stop - start).astype(float)
            out[start:stop] = w @ columns
        return out
    row_of_item = None if n_rows == n_items else np.repeat(np.arange(n_rows), freq)
    block = max(1, min(n_boot, _BLOCK_FLOATS // n_items))
    # float32 halves the cost of the big product; counts and 0/1 sums stay exact below 2**24
    # and continuous totals keep ~1e-6 relative precision, far below bootstrap noise.
    columns32 = columns.astype(np.float32)
    for start in range(0, n_boot, block):
        stop = min(n_boot, start + block)
        m = stop - start
        idx = rng.integers(0, n_items, size=(m, n_items))
        if row_of_item is not None:
            idx = row_of_item[idx]
        if m * n_rows <= _FLAT_BINCOUNT_MAX:
            flat = (idx + np.arange(m)[:, None] * n_rows).ravel()
            w = np.bincount(flat, minlength=m * n_rows).reshape(m, n_rows).astype(np.float32)
        else:
            # One bincount per draw keeps the counters in cache (one flat bincount over
            # tens of millions of counters is ~10x slower).
            w = np.empty((m, n_rows), dtype=np.float32)
            for r in range(m):
                w[r] = np.bincount(idx[r], minlength=n_rows)
        out[start:stop] = w @ columns32
    return out
