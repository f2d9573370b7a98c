"""Each recogniser: hits, near-misses, cue-less cases, checksum failures; and the held-out set."""

from __future__ import annotations

import json

import pytest

from stagewise.userlogs.scrub import find_pii, scrub
from stagewise.userlogs.scrub_eval import ScrubEvalError, evaluate_scrubber, packaged_testset, wilson

HITS = [
    # credentials: cue words, pairs, keys, formats
    ("my password is hunter2! thanks", "my password is [CREDENTIAL] thanks"),
    ("password: correcthorse", "password: [CREDENTIAL]"),
    ('the wifi password is "Sunflower"', 'the wifi password is "[CREDENTIAL]"'),
    ("login: jsmith / Tr0ub4dor&3", "login: [CREDENTIAL]"),
    ("OPENAI_API_KEY=sk-proj-abcdefghijklmnop1234", "OPENAI_API_KEY=[CREDENTIAL]"),
    ("use ghp_abcdefghijklmnopqrstuvwxyz0123 here", "use [CREDENTIAL] here"),  # cue-less: the format alone
    ("clone https://bob:s3cret@git.example.com/r.git", "clone [URL_CREDENTIALS]"),
    # SSNs: 9xx after the cue is still masked; cue-less dashed form too
    ("SSN 912-34-5678", "SSN [SSN]"),
    ("social security number: 912345678", "social security number: [SSN]"),
    ("it is 123-45-6789 on the form", "it is [SSN] on the form"),
    # checksum failures lower confidence, never unmask
    ("card 4242 4242 4242 4241 was mistyped", "card [CARD] was mistyped"),
    ("IBAN GB83 WEST 1234 5698 7654 32", "IBAN [IBAN]"),
    ("IBAN GB82 WEST 1234 5698 7654 32", "IBAN [IBAN]"),
    # accounts and routing numbers after cues: not phones
    ("routing number 021000021, account 12345678", "routing number [ACCOUNT], account [ACCOUNT]"),
    ("acct #6552 6048 50", "acct #[ACCOUNT]"),
    # record ids and documents after cues
    ("patient ID: PT-448812", "patient ID: [RECORD_ID]"),
    ("MRN 00123456", "MRN [RECORD_ID]"),
    ("employee number E10293", "employee number [RECORD_ID]"),
    ("passport number X1234567", "passport number [GOV_ID]"),
    ("Driver's license number D123-4567-8901", "Driver's license number [GOV_ID]"),
    # Presidio's predefined recognisers
    ("mail jane.doe@example.co.uk", "mail [EMAIL]"),
    ("call +1 (415) 555-0199", "call [PHONE]"),
    ("send to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "send to [CRYPTO]"),
    # names: title pairing fixed, organisations and titles kept
    ("Applicant Daniel Nwosu", "Applicant [NAME]"),
    ("HR Manager Lisa Johnson approved it", "HR Manager [NAME] approved it"),
    ("Jane Doe works at Goldman Sachs", "[NAME] works at Goldman Sachs"),
]
NEAR_MISSES = [
    "my password is incorrect",
    "the password hack weapon thing",
    "reset your password for that account",
    "version 1.2.3.4 of Python 3.11 on 2024-01-02 at 12:30:45",
    "use the `std::exit` function; kernel-2.6.43.8-1.fc16",
    "the account team will review it",
    "the HR Manager at Acme Logistics approved budget line 4471",
]


@pytest.mark.parametrize(("text", "expected"), HITS)
def test_each_recogniser_hits(text, expected):
    assert scrub(text, names="heuristic")[0] == expected


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_are_left_alone(text):
    assert scrub(text, names="heuristic")[0] == text


def test_threshold_is_configurable():
    text = "4242 4242 4242 4241 was mistyped"  # no context word: a failed Luhn check scores 0.3
    assert scrub(text, names="off", threshold=0.5)[0] == text
    assert scrub(text, names="off", threshold=0.3)[0] == "[CARD] was mistyped"


def test_heldout_set_recall_and_no_org_or_title_masked():
    # Written after the recognisers, not tuned on (tests/userlogs/make_pii_heldout.py).
    path = packaged_testset().with_name("pii_heldout.jsonl")
    e = evaluate_scrubber(path, names="heuristic")
    assert e.structured_recall >= 0.95, e.misses[:10]
    assert next(k for k in e.kinds if k.kind == "NAME").recall >= 0.85
    for line in path.read_text().splitlines():
        row = json.loads(line)
        for s in find_pii(row["text"], "heuristic"):
            assert not any(s.start < b and s.end > a for a, b, _ in row["decoys"]), (row["text"], s)


def test_bad_labelled_file_is_one_clear_error(tmp_path):
    with pytest.raises(ScrubEvalError, match="no such file"):
        evaluate_scrubber(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hi", "spans": [[0, 9, "EMAIL"]]}\n')
    with pytest.raises(ScrubEvalError, match=r"bad.jsonl:1"):
        evaluate_scrubber(bad)


def test_wilson_interval():
    lo, hi = wilson(95, 100)
    assert 0.88 < lo < 0.9 and 0.97 < hi < 0.99
