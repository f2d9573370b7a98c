"""Streaming duplicate detection: exact (normalised text hash) and near (64-bit SimHash).

Near duplicates are prompts whose SimHash fingerprints differ in at most `max_distance`
bits (default 3). With 4 bands of 16 bits, two fingerprints within 3 bits agree exactly on
at least one band (pigeonhole), so a lookup checks only the few fingerprints sharing a band.
The index holds two integers per kept prompt, never the text: memory grows by a few tens
of bytes per conversation.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import xxhash

_WORD = re.compile(r"\w+")
_BANDS = 4
Verdict = Literal["keep", "exact_duplicate", "near_duplicate"]


def normalise_text(text: str) -> str:
    """Lowercase words joined by single spaces: punctuation and spacing do not make a new prompt."""
    return " ".join(_WORD.findall(text.lower()))


def exact_hash(text: str) -> int:
    """64-bit hash of the normalised text (signed, so it fits an int64 column)."""
    return xxhash.xxh64_intdigest(normalise_text(text).encode()) - (1 << 63)


def simhash(text: str) -> int:
    """64-bit SimHash over word unigrams and bigrams (signed int64)."""
    words = _WORD.findall(text.lower())
    feats = words + [a + " " + b for a, b in zip(words, words[1:])]
    if not feats:
        return 0
    h = np.fromiter((xxhash.xxh64_intdigest(f.encode()) for f in feats), dtype=np.uint64, count=len(feats))
    bits = np.unpackbits(h.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    votes = bits.sum(axis=0, dtype=np.int32) * 2 > len(feats)
    return int(np.packbits(votes, bitorder="little").view(np.int64)[0])


class Deduper:
    """Remembers kept prompts and says whether a new one is a duplicate of any of them."""

    def __init__(self, max_distance: int = 3) -> None:
        if not 0 <= max_distance < _BANDS:
            raise ValueError(f"max_distance must be 0..{_BANDS - 1} with {_BANDS} bands")
        self.max_distance = max_distance
        self._exact: set[int] = set()
        self._bands: list[dict[int, list[int]]] = [{} for _ in range(_BANDS)]

    def __len__(self) -> int:
        return len(self._exact)

    def add(self, exact: int, sim: int) -> None:
        """Record a kept prompt by its two hashes (used when resuming from finished shards)."""
        self._exact.add(exact)
        u = sim & 0xFFFFFFFFFFFFFFFF
        for b in range(_BANDS):
            self._bands[b].setdefault((u >> (16 * b)) & 0xFFFF, []).append(u)

    def check(self, exact: int, sim: int) -> Verdict:
        """Classify a prompt; a kept one is added to the index."""
        if exact in self._exact:
            return "exact_duplicate"
        u = sim & 0xFFFFFFFFFFFFFFFF
        if u:  # an all-zero fingerprint means no words: nothing to compare
            for b in range(_BANDS):
                for other in self._bands[b].get((u >> (16 * b)) & 0xFFFF, ()):
                    if (u ^ other).bit_count() <= self.max_distance:
                        return "near_duplicate"
        self.add(exact, sim)
        return "keep"
