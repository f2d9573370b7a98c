"""The words the comparison table and summary use for what an inconclusive verdict needs."""

from __future__ import annotations

import math

from stagewise.compare._summary import fmt_items, needed_text


def test_items_needed_in_words():
    assert fmt_items(95.7) == "~96" and fmt_items(1234.0) == "~1,200" and fmt_items(0.0) == "a few"
    assert needed_text(95.7) == "~96 more items"
    assert needed_text(math.inf) == "out of reach at this gap"  # not "unreachable more items"
    assert needed_text(math.nan) == "an unknown number of more items"
    assert needed_text(None) == "an unknown number of more items"
