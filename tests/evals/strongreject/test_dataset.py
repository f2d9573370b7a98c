"""StrongREJECT loader on the real upstream files (../shared/data)."""

from __future__ import annotations

import pytest

from stagewise.errors import StagewiseError
from stagewise.evals.strongreject.dataset import load_dataset, prompt_id


@pytest.mark.parametrize(("subset", "n"), [("full", 313), ("small", 60)])
def test_counts_and_unique_ids(shared_data, subset, n):
    ds = load_dataset(str(shared_data / "strongreject"), subset)
    assert len(ds) == n
    assert len({s.id for s in ds}) == n
    assert all(s.id == prompt_id(s.input) for s in ds)  # type: ignore[arg-type]


def test_small_subset_pairs_with_full_set_by_id(shared_data):
    full = {s.id for s in load_dataset(str(shared_data), "full")}
    small = {s.id for s in load_dataset(str(shared_data), "small")}
    assert small <= full


def test_missing_file_is_one_clear_line(tmp_path):
    with pytest.raises(StagewiseError) as e:
        load_dataset(str(tmp_path), "small")
    assert "strongreject_small_dataset.csv not found" in str(e.value) and "\n" not in str(e.value)
