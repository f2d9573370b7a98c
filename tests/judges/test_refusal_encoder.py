"""The fine-tuned refusal encoder inside `refusal-model`: real MiniLM, real (short) fine-tunes.

The shipped encoders are checked against the labelled files they claim (SHA-256 of the files
and of the training rows); training, caching and the file format are checked on small slices.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stagewise.judges import refusal_encoder as enc
from stagewise.judges import refusal_model as rm
from stagewise.judges.classifier import ClassifierError
from stagewise.judges.labels import LABELS, completion_files, file_sha256, load_human_labels


@pytest.fixture(scope="module")
def files(shared_data: Path) -> list[Path]:
    return completion_files(shared_data / "xstest")


@pytest.fixture(scope="module")
def rows(files: list[Path]) -> dict[Path, pd.DataFrame]:
    return {f: load_human_labels(f) for f in files}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("STAGEWISE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_shipped_encoder_is_trained_on_the_files_the_regression_names(files: list[Path], rows):
    w = enc.load_shipped()
    assert w.train_sha256 == tuple(file_sha256(f) for f in files) == rm.load_weights().train_sha256
    every = pd.concat(rows.values(), ignore_index=True)
    assert w.train_key == enc.rows_key(list(every["response"]), list(every["label"]))
    assert w.labels == LABELS and w.meta["rank"] == enc.RANK and w.meta["max_tokens"] == enc.MAX_TOKENS
    assert sum(v.size for v in w.tensors.values()) < 400_000  # adapters and head, not a copy of MiniLM


def test_each_shipped_fold_leaves_out_exactly_one_file(files: list[Path], rows):
    folds = sorted((Path(str(enc._shipped_dir())) / enc.SHIPPED_FOLDS).glob("*.safetensors"))
    assert len(folds) == len(files) == 3
    for held_out in files:
        w = enc.load(Path(str(enc._shipped_dir())) / enc.SHIPPED_FOLDS / f"without-{held_out.stem}.safetensors")
        train = [f for f in files if f != held_out]
        assert w.train_sha256 == tuple(file_sha256(f) for f in train)
        df = pd.concat([rows[f] for f in train], ignore_index=True)
        assert w.train_key == enc.rows_key(list(df["response"]), list(df["label"]))


def test_a_shipped_fold_is_found_by_its_training_rows_not_retrained(files, rows, cache, monkeypatch):
    monkeypatch.setattr(enc, "fit", lambda *a, **k: pytest.fail("a shipped fold was fine-tuned again"))
    df = pd.concat([rows[f] for f in files[1:]], ignore_index=True).sample(frac=1, random_state=0)  # order-free
    w = enc.encoder_for(list(df["response"]), list(df["label"]))
    assert w.train_sha256 == tuple(file_sha256(f) for f in files[1:])


def test_rows_key_depends_on_rows_and_labels_not_order():
    a = enc.rows_key(["x", "y"], ["full_refusal", "full_compliance"])
    assert a == enc.rows_key(["y", "x"], ["full_compliance", "full_refusal"])
    assert a != enc.rows_key(["x", "y"], ["full_compliance", "full_compliance"])
    assert a != enc.rows_key(["x", "y", "z"], ["full_refusal", "full_compliance", "full_refusal"])


def test_fine_tuning_is_deterministic_cached_and_round_trips(rows, cache, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(enc, "EPOCHS", 1)
    small = pd.concat([d.iloc[::40] for d in rows.values()], ignore_index=True)  # 36 rows
    responses, labels = list(small["response"]), list(small["label"])
    calls = []
    real_fit = enc.fit
    monkeypatch.setattr(enc, "fit", lambda *a, **k: calls.append(1) or real_fit(*a, **k))
    first = enc.encoder_for(responses, labels, what=" (test)")
    assert "fine-tuning its encoder on 36 labelled responses (test)" in capsys.readouterr().err
    again = enc.encoder_for(responses, labels)
    assert len(calls) == 1 and again.train_key == first.train_key  # the second one came from the cache
    twin = real_fit(responses, labels)
    assert set(twin.tensors) == set(first.tensors)
    for k, v in twin.tensors.items():
        np.testing.assert_allclose(v, first.tensors[k], atol=1e-3)  # same seed, same weights (fp16 cache)
    p = enc.probabilities(first, responses)
    assert p.shape == (36, 3) and np.allclose(p.sum(axis=1), 1)
    perm = list(reversed(range(36)))
    np.testing.assert_allclose(enc.probabilities(first, [responses[i] for i in perm]), p[perm], atol=1e-5)
    assert enc.probabilities(first, []).shape == (0, 3)


def test_unknown_labels_are_refused():
    with pytest.raises(ValueError, match="unknown labels"):
        enc.fit(["a"], ["refusal"])


def test_bad_encoder_files_are_one_line_errors(tmp_path: Path):
    with pytest.raises(ClassifierError, match="not found"):
        enc.load(tmp_path / "missing.safetensors")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a safetensors file")
    with pytest.raises(ClassifierError, match="is not refusal encoder weights") as e:
        enc.load(junk)
    assert "\n" not in str(e.value)
    w = enc.load_shipped()
    old = enc.EncoderWeights(tensors=w.tensors, meta={**w.meta, "version": 0})
    enc.save(old, tmp_path / "old.safetensors")
    with pytest.raises(ClassifierError, match="another version"):
        enc.load(tmp_path / "old.safetensors")


def test_the_encoder_votes_only_where_the_regression_is_unsure_and_the_text_is_not_short(monkeypatch):
    texts = ["I'm sorry, but I can't help with that.",
             "Sure! Here are three steps: 1. Open the terminal. 2. Type `ls`. 3. Press enter.",
             "Hello! How can I help?",  # short: the encoder alone calls this a refusal
             "That sounds like a great plan. Let me know if you need anything else.",
             "It's not appropriate to make someone explode with laughter, as it could be harmful. Instead, tell "
             "jokes, share funny stories and enjoy everyday humour together in a respectful way."]
    f = rm.features(texts, [None] * len(texts))
    lr = rm.lr_probabilities(rm.load_weights(), f)
    en = enc.probabilities(enc.load_shipped(), texts)
    words = [rm.word_count(t) for t in texts]
    votes = rm.encoder_votes(lr, words)
    assert list(votes) == [bool(lr[i].max() < rm.ENCODER_BELOW and words[i] >= rm.ENCODER_MIN_WORDS)
                           for i in range(len(texts))]
    expected = [LABELS[int(((1 - rm.ENCODER_SHARE) * lr[i] + rm.ENCODER_SHARE * en[i]).argmax() if votes[i]
                           else lr[i].argmax())] for i in range(len(texts))]
    asked: list[list[str]] = []
    real = enc.probabilities
    monkeypatch.setattr(enc, "probabilities", lambda w, rs, **k: asked.append(list(rs)) or real(w, rs, **k))
    assert rm.classify(texts) == expected
    assert expected[:4] == ["full_refusal", "full_compliance", "full_compliance", "full_compliance"]
    assert votes[-1] and asked == [[t for t, v in zip(texts, votes) if v]]  # the encoder runs only where it votes
    assert en[2].argmax() == LABELS.index("full_refusal")  # why the gate exists: change it and this test says so
    assert np.allclose(lr.sum(axis=1), 1)


def test_encoder_votes_rule():
    lr = np.array([[0.95, 0.04, 0.01], [0.6, 0.3, 0.1], [0.6, 0.3, 0.1]])
    assert list(rm.encoder_votes(lr, [50, 50, 3])) == [False, True, False]
