"""The scrubber: typed placeholders, checksums, and recall on the labelled set."""

from __future__ import annotations

import pytest

from stagewise.userlogs.scrub import iban_ok, luhn_ok, scrub
from stagewise.userlogs.scrub_eval import evaluate_scrubber

CASES = [
    ("write to jane.doe+news@mail.example.co.uk today", "write to [EMAIL] today"),
    ("call (415) 555-0199 or +44 20 7946 0958", "call [PHONE] or [PHONE]"),
    ("card 4242 4242 4242 4242 exp 09/27", "card [CARD] exp 09/27"),
    # recall first: a failed Luhn check lowers confidence, the mistyped number is still masked
    ("card 4242 4242 4242 4241 was mistyped", "card [CARD] was mistyped"),
    ("ssh to 192.168.10.4 or 2001:db8::8a2e:370:7334.", "ssh to [IP] or [IP]."),
    ("clone https://bob:s3cret@git.example.com/r.git", "clone [URL_CREDENTIALS]"),
    ("SSN 123-45-6789, NI AB 12 34 56 C", "SSN [SSN], NI [GOV_ID]"),
    ("send it to 221B Baker Street, London", "send it to [ADDRESS], London"),
    ("IBAN GB82 WEST 1234 5698 7654 32", "IBAN [IBAN]"),
    ("My name is Ada Lovelace.", "My name is [NAME]."),
    ("version 1.2.3.4 of Python 3.11 on 2024-01-02 at 12:30:45", None),
    # false positives seen on real benchmark text (docs/userlogs.md)
    ("use the `std::exit` function; kernel-2.6.43.8-1.fc16", None),
    ("Dim szBuffer As String * 128\n    Dim Drive As Variant", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_scrub_replaces_with_typed_placeholders(text, expected):
    assert scrub(text, names="heuristic")[0] == (text if expected is None else expected)


def test_checksums():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB83 WEST 1234 5698 7654 32")


def test_recall_on_the_labelled_set_is_at_least_99_percent_on_structured_kinds():
    e = evaluate_scrubber(names="heuristic")
    assert sum(k.labelled for k in e.kinds) > 1500
    assert e.structured_recall >= 0.99, e.misses[:10]
    assert e.precision >= 0.95
    assert {k.kind for k in e.kinds} >= {"EMAIL", "PHONE", "CARD", "IP", "URL_CREDENTIALS", "SSN", "GOV_ID", "IBAN",
                                         "ADDRESS", "NAME"}


def test_the_measure_can_fail(tmp_path):
    # A set of unlabelled-looking personal data the scrubber misses gives recall 0, not 1.
    p = tmp_path / "hard.jsonl"
    p.write_text('{"text": "reach me at jane at example dot com", "spans": [[12, 35, "EMAIL"]]}\n')
    e = evaluate_scrubber(p)
    assert e.structured_recall == 0.0 and e.misses == (("EMAIL", "jane at example dot com"),)
