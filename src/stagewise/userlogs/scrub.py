"""Scrub personal data into typed placeholders before text reaches a judge, endpoint or report.

Microsoft Presidio is the engine (`stagewise.userlogs._recognisers`): its predefined
recognisers (email, phone, card, IBAN, IP, crypto, US/UK/EU/Asian ids) plus our Presidio
`PatternRecognizer`s for credentials, account and routing numbers, record ids and postal
addresses. A checksum that fails lowers a match's confidence instead of dropping it; matches
at or above `threshold` (default `DEFAULT_THRESHOLD`) are masked, overlaps resolved by score
then length. Each recogniser runs only on texts its cheap trigger matches (`@` for email, seven
digits for phones, its cue words for a cue-word recogniser), so most texts cost a few regex scans.

Person names come last, so they never take text a structured recogniser found: either a spaCy
pipeline's PERSON entities (`names="spacy"` for en_core_web_sm, `"spacy:NAME_OR_PATH"` for any
other; `stagewise.userlogs._names`) or a heuristic: a cue ("my name is", "Dear", "Mr.",
"regards,", "my wife ...") or a first name (Faker's per-locale first-name lists) followed by a
capitalised word. docs/userlogs.md has the measured recall.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from typing import Callable, Literal

from stagewise.userlogs._names import ORG_WORDS, NOT_SURNAMES, first_names, load_pipeline, person_spans, resolve_names
from stagewise.userlogs._recognisers import DEFAULT_THRESHOLD, KIND_OF, analyzer, triggered_entities

Kind = Literal["URL_CREDENTIALS", "CREDENTIAL", "EMAIL", "IBAN", "CARD", "SSN", "GOV_ID", "ACCOUNT", "RECORD_ID",
               "CRYPTO", "IP", "PHONE", "ADDRESS", "NAME"]
STRUCTURED_KINDS: tuple[Kind, ...] = ("URL_CREDENTIALS", "CREDENTIAL", "EMAIL", "IBAN", "CARD", "SSN", "GOV_ID",
                                      "ACCOUNT", "RECORD_ID", "CRYPTO", "IP", "PHONE", "ADDRESS")
# "auto" | "heuristic" | "off" | "spacy" | "spacy:NAME_OR_PATH" (a string: it can name a pipeline)
NameMode = str


@dataclass(frozen=True)
class Span:
    """A detected piece of personal data: text[start:end] is of kind `kind`."""

    start: int
    end: int
    kind: Kind
    score: float = 1.0


_NAME_TOKEN = r"(?:[A-Z]')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_NAME_CUE = re.compile(
    rf"(?:\b(?:[Mm]y name is|[Nn]ame:|I am|I'm|[Cc]all me|[Dd]ear|[Ss]igned|[Rr]egards,|[Ss]incerely,|[Tt]hanks,|[Cc]heers,|"
    rf"[Mm]y (?:wife|husband|son|daughter|friend|boss|colleague|coworker|mother|mom|father|dad|brother|sister|partner|"
    rf"girlfriend|boyfriend|neighbou?r|manager|teacher|doctor|landlord|client|patient|student)(?: is| named| called)?,?)\s+)"
    rf"({_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN}){{0,2}})"
)
_TITLED = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+{_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN})?")


# Overlapping (a look-ahead): in "Applicant Daniel Nwosu" the pair "Applicant Daniel" must not
# hide "Daniel Nwosu". A pair followed by an organisation word is an organisation, not a person.
_FULL_NAME = re.compile(rf"\b(?=({_NAME_TOKEN})[ \t]+({_NAME_TOKEN})\b(?!\s+(?:{ORG_WORDS})\b))")
_NOT_NAMES = frozenset("I Im The A An My Your Our This That What When Where Why How Dear Hello Hi".split())


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a digit string (payment cards, some national ids)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(s: str) -> bool:
    """The ISO 13616 mod-97 check of an IBAN (spaces allowed)."""
    s = s.replace(" ", "")
    if not 15 <= len(s) <= 34:
        return False
    n = "".join(str(int(c, 36)) for c in s[4:] + s[:4])
    return int(n) % 97 == 1


def _heuristic_names(text: str) -> list[Span]:
    spans = [Span(m.start(1), m.end(1), "NAME") for m in _NAME_CUE.finditer(text) if m.group(1) not in _NOT_NAMES]
    spans += [Span(m.start(), m.end(), "NAME") for m in _TITLED.finditer(text)]
    names = first_names()
    spans += [Span(m.start(1), m.end(2), "NAME") for m in _FULL_NAME.finditer(text)
              if m.group(1) in names and m.group(2) not in NOT_SURNAMES]
    return spans


def _spacy_names(target: str, text: str) -> list[Span]:
    return [Span(start, end, "NAME") for start, end in person_spans(target, text)]


@functools.cache
def _name_detectors(names: NameMode) -> tuple[Callable[[str], list[Span]], ...]:
    # Cached per value: resolving `auto` and loading a spaCy pipeline happen once per process,
    # and a bad value or a missing pipeline fails on the first text, not deep into a run.
    resolved = resolve_names(names)
    if resolved == "off":
        return ()
    if resolved == "heuristic":
        return (_heuristic_names,)
    target = resolved.removeprefix("spacy:")
    load_pipeline(target)
    return (functools.partial(_spacy_names, target),)


def _structured(text: str, threshold: float) -> list[Span]:
    entities = triggered_entities(text)
    if not entities:
        return []
    return [Span(r.start, r.end, KIND_OF.get(r.entity_type, "GOV_ID"), r.score)  # type: ignore[arg-type]
            for r in analyzer().analyze(text, language="en", entities=entities, score_threshold=threshold)
            if r.entity_type != "IP_ADDRESS" or _ip_ok(text, r.start, r.end)]


# "version 1.2.3.4", "v1.2.3.4", "kernel-2.6.43.8-1" are versions; `std::exit` holds the valid
# IPv6 address "d::e": real addresses in text carry digits.
_VERSION_BEFORE = re.compile(r"(?:version |v|[\d.-])$", re.I)


def _ip_ok(text: str, start: int, end: int) -> bool:
    s = text[start:end]
    if _VERSION_BEFORE.search(text[max(0, start - 8):start]) or re.match(r"[.-]\d", text[end:end + 2]):
        return False
    if ":" in s:
        try:
            ipaddress.IPv6Address(s)
        except ValueError:
            return False
        return any(c.isdigit() for c in s)
    return True


def find_pii(text: str, names: NameMode = "auto", threshold: float = DEFAULT_THRESHOLD) -> list[Span]:
    """All personal-data spans in `text`, non-overlapping, sorted by start.

    Args:
        text: the text to search.
        names: the person-name recogniser: `auto`, `heuristic`, `off`, `spacy` or
            `spacy:NAME_OR_PATH` (see `stagewise.userlogs._names`).
        threshold: the lowest Presidio score that is masked (0.3: a pattern match whose checksum
            failed; weak patterns need a context word to reach it).

    Raises:
        NamesError: `names` is of no accepted form or its spaCy pipeline cannot be loaded.
    """
    chosen: list[Span] = []
    found = _structured(text, threshold)
    # A match inside a longer one is part of it (a national id checksum that happens to pass on
    # ten digits of a phone number). Otherwise highest score first, then longest: "routing
    # number 021000021" is an account, not a phone.
    found = [f for f in found if not any(o.start <= f.start and f.end <= o.end and o.end - o.start > f.end - f.start
                                         for o in found)]
    for sp in sorted(found, key=lambda x: (-x.score, x.start - x.end)):
        if sp.end > sp.start and all(sp.end <= c.start or sp.start >= c.end for c in chosen):
            chosen.append(sp)
    for detect in _name_detectors(names):
        for sp in detect(text):
            if sp.end > sp.start and all(sp.end <= c.start or sp.start >= c.end for c in chosen):
                chosen.append(sp)
    return sorted(chosen, key=lambda x: x.start)


def scrub(text: str, names: NameMode = "auto", threshold: float = DEFAULT_THRESHOLD) -> tuple[str, dict[str, int]]:
    """Replace personal data with typed placeholders such as `[EMAIL]`.

    `names` and `threshold` are as in `find_pii`.

    Returns:
        The scrubbed text and a count per kind of what was replaced.
    """
    spans = find_pii(text, names, threshold)
    if not spans:
        return text, {}
    out: list[str] = []
    counts: dict[str, int] = {}
    pos = 0
    for s in spans:
        out += [text[pos:s.start], f"[{s.kind}]"]
        counts[s.kind] = counts.get(s.kind, 0) + 1
        pos = s.end
    out.append(text[pos:])
    return "".join(out), counts
