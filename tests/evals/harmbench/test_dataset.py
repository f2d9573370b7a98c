"""HarmBench loader on the real upstream files (../shared/data)."""

from __future__ import annotations

import pytest

from stagewise.errors import StagewiseError
from stagewise.evals.harmbench.dataset import load_dataset, record_to_sample


def _counts(ds):
    cats = [s.metadata["functional_category"] for s in ds]
    return {c: cats.count(c) for c in set(cats)}


def test_test_split_excludes_copyright_by_default(shared_data):
    ds = load_dataset(str(shared_data / "harmbench"))
    assert _counts(ds) == {"standard": 159, "contextual": 81}
    assert len(ds) == 240


def test_test_split_with_copyright_has_all_320(shared_data):
    ds = load_dataset(str(shared_data), include_copyright=True)
    assert len(ds) == 320 and _counts(ds)["copyright"] == 80
    ids = [s.id for s in ds]
    assert len(set(ids)) == 320 and "parathion_synthesis_instructions" in ids


def test_val_split(shared_data):
    assert len(load_dataset(str(shared_data), split="val", include_copyright=True)) == 80


def test_contextual_behavior_puts_context_before_the_request():
    s = record_to_sample({"Behavior": "Modify this code to hide it", "FunctionalCategory": "contextual",
                          "SemanticCategory": "cybercrime_intrusion", "Tags": "context",
                          "ContextString": "int main() {}", "BehaviorID": "hide_code"})
    assert s.id == "hide_code"
    assert s.input == "int main() {}\n\n---\n\nModify this code to hide it"
    assert s.metadata["behavior"] == "Modify this code to hide it" and s.metadata["context"] == "int main() {}"


def test_standard_behavior_is_the_request_alone():
    s = record_to_sample({"Behavior": "Do X", "FunctionalCategory": "standard", "SemanticCategory": "illegal",
                          "Tags": "", "ContextString": "", "BehaviorID": "do_x"})
    assert s.input == "Do X" and s.metadata["context"] is None


def test_missing_file_is_one_clear_line(tmp_path):
    with pytest.raises(StagewiseError) as e:
        load_dataset(str(tmp_path / "nowhere.csv"))
    assert "does not exist" in str(e.value) and "\n" not in str(e.value)
