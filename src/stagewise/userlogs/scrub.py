"""Scrub personal data into typed placeholders before text reaches a judge, endpoint or report.

Detectors run in priority order; a later detector never overlaps an earlier span. Structured
kinds are regular expressions with validation (Luhn for cards, mod-97 for IBANs, `ipaddress`
for IPs, SSA rules for SSNs). Person names come last, so they never take text a structured
detector found: either a spaCy pipeline's PERSON entities (`names="spacy"` for
en_core_web_sm, `"spacy:NAME_OR_PATH"` for any other; `stagewise.userlogs._names`) or a
heuristic: a cue ("my name is", "Dear", "Mr.", "regards,", "my wife ...") or a common first
name followed by a capitalised word. The heuristic misses bare names without a cue;
docs/userlogs.md has the measured recall.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from importlib import resources
from typing import Callable, Literal

from stagewise.userlogs._names import load_pipeline, person_spans, resolve_names

Kind = Literal["URL_CREDENTIALS", "EMAIL", "IBAN", "CARD", "SSN", "GOV_ID", "IP", "PHONE", "ADDRESS", "NAME"]
STRUCTURED_KINDS: tuple[Kind, ...] = ("URL_CREDENTIALS", "EMAIL", "IBAN", "CARD", "SSN", "GOV_ID", "IP", "PHONE")
# "auto" | "heuristic" | "off" | "spacy" | "spacy:NAME_OR_PATH" (a string: it can name a pipeline)
NameMode = str


@dataclass(frozen=True)
class Span:
    """A detected piece of personal data: text[start:end] is of kind `kind`."""

    start: int
    end: int
    kind: Kind


_URL_CRED = re.compile(
    r"\b[a-z][a-z0-9+.-]*://(?:[^\s:/@]+:[^\s/@]+@[^\s]+|[^\s?#]+\?[^\s]*?"
    r"(?:token|access_token|api_key|apikey|key|password|passwd|pwd|secret|sig|signature|auth)=[^\s]+)",
    re.I,
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])")
_SSN_CUE = re.compile(r"(?:\bSSN|ITIN|social security(?: number| no\.?)?)\W{0,5}(\d{9})\b", re.I)
_NINO = re.compile(r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_ID_CUE = re.compile(
    r"(?:passport|driver'?s? licen[cs]e|licen[cs]e|national id|national insurance|id card|tax id|tin|nhs|medicare)"
    r"(?: (?:number|no\.?|#))?(?:\s+(?:is|was|=))?\W{0,4}([A-Z0-9][A-Z0-9-]{5,14}\d[A-Z0-9]*)\b",
    re.I,
)
# "version 1.2.3.4" / "v1.2.3.4" are version numbers, not addresses.
_IPV4 = re.compile(r"(?<![\d.vV-])(?<!version )(?<!Version )(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\d|\.\d|-\d)")
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")
_PHONE = re.compile(
    r"(?:(?<![\w+])\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,5}(?:[ .-]?\d{2,5}){1,4}(?!\d)"  # international
    r"|(?<![\w])(?:1[ .-])?\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}"  # (555) 123-4567
    r"|(?<![\w.-])(?:1[ .-])?\d{3}[.-]\d{3}[.-]\d{4}(?![\w-])"  # 555-123-4567
    r"|(?<![\w.-])\d{3} \d{3} \d{4}(?![\w-])"
    r"|(?<![\w])0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}(?![\w-]))"  # UK / EU national format
)
_PHONE_CUE = re.compile(r"(?:phone|call|text|tel|mobile|cell|whatsapp|number|reach me)\D{0,20}?(\d{10,11})\b", re.I)
_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|"
    r"Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Close|Crescent|Row|Trail|Trl|Plaza|Alley)"
)
_STOP = r"(?!(?:the|my|a|an|on|in|of|to|down|up|at|and|or|from|this|that|our|your|his|her|their|miles?|kids?|days?|years?|times?|people|cars?|houses?|blocks?)\b)"
_ADDRESS = re.compile(
    rf"\b\d{{1,6}}[A-Za-z]?(?:[ \t]+{_STOP}(?:[A-Za-z][A-Za-z'.-]*|\d+(?:st|nd|rd|th))){{1,4}}[ \t]+{_STREET_SUFFIX}\b\.?"
    r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\.?\s*#?[\w-]+)?"
    r"|\bP\.?\s?O\.?\s?Box\s+\d+",
    re.I,
)
_NAME_TOKEN = r"(?:[A-Z]')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_NAME_CUE = re.compile(
    rf"(?:\b(?:[Mm]y name is|[Nn]ame:|I am|I'm|[Cc]all me|[Dd]ear|[Ss]igned|[Rr]egards,|[Ss]incerely,|[Tt]hanks,|[Cc]heers,|"
    rf"[Mm]y (?:wife|husband|son|daughter|friend|boss|colleague|coworker|mother|mom|father|dad|brother|sister|partner|"
    rf"girlfriend|boyfriend|neighbou?r|manager|teacher|doctor|landlord|client|patient|student)(?: is| named| called)?,?)\s+)"
    rf"({_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,2}})"
)
_TITLED = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})?")


@functools.cache
def _first_names() -> frozenset[str]:
    text = (resources.files("stagewise.userlogs") / "first_names.txt").read_text()
    return frozenset(w.strip() for w in text.split() if w.strip() and not w.startswith("#"))


_FULL_NAME = re.compile(rf"\b({_NAME_TOKEN})\s+({_NAME_TOKEN})\b")
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


def _ipv6_ok(s: str) -> bool:
    # `std::exit` holds the valid address "d::e": real addresses in text carry digits.
    if s.count(":") < 2 or not any(c.isdigit() for c in s):
        return False
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return False
    return True


_DIGIT = re.compile(r"\d")


def _regex(pattern: re.Pattern[str], kind: Kind, check: Callable[[str], bool] | None = None, group: int = 0,
           need: str | None = None, digits: bool = True) -> Callable[[str], list[Span]]:
    # Cheap prefilters: most turns hold no digit or no '@', and then most patterns cannot match.
    def find(text: str) -> list[Span]:
        if need is not None and need not in text:
            return []
        if digits and _DIGIT.search(text) is None:
            return []
        return [Span(m.start(group), m.end(group), kind) for m in pattern.finditer(text)
                if check is None or check(m.group(group))]
    return find


def _card_ok(s: str) -> bool:
    d = re.sub(r"\D", "", s)
    return 13 <= len(d) <= 19 and luhn_ok(d)


def _heuristic_names(text: str) -> list[Span]:
    spans = [Span(m.start(1), m.end(1), "NAME") for m in _NAME_CUE.finditer(text) if m.group(1) not in _NOT_NAMES]
    spans += [Span(m.start(), m.end(), "NAME") for m in _TITLED.finditer(text)]
    names = _first_names()
    spans += [Span(m.start(), m.end(), "NAME") for m in _FULL_NAME.finditer(text) if m.group(1) in names]
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


_DETECTORS: tuple[Callable[[str], list[Span]], ...] = (
    _regex(_URL_CRED, "URL_CREDENTIALS", need="://", digits=False),
    _regex(_EMAIL, "EMAIL", need="@", digits=False),
    _regex(_IBAN, "IBAN", check=iban_ok),
    _regex(_CARD, "CARD", check=_card_ok),
    _regex(_SSN, "SSN"),
    _regex(_SSN_CUE, "SSN", group=1),
    _regex(_NINO, "GOV_ID"),
    _regex(_ID_CUE, "GOV_ID", group=1),
    _regex(_IPV4, "IP", need="."),
    _regex(_IPV6, "IP", check=_ipv6_ok, need=":"),
    _regex(_PHONE, "PHONE", check=lambda s: sum(c.isdigit() for c in s) >= 7),
    _regex(_PHONE_CUE, "PHONE", group=1),
    _regex(_ADDRESS, "ADDRESS"),
)


def find_pii(text: str, names: NameMode = "auto") -> list[Span]:
    """All personal-data spans in `text`, non-overlapping, sorted by start.

    Args:
        text: the text to search.
        names: the person-name recogniser: `auto`, `heuristic`, `off`, `spacy` or
            `spacy:NAME_OR_PATH` (see `stagewise.userlogs._names`).

    Raises:
        NamesError: `names` is of no accepted form or its spaCy pipeline cannot be loaded.
    """
    chosen: list[Span] = []
    for detect in (*_DETECTORS, *_name_detectors(names)):
        for s in detect(text):
            if s.end > s.start and all(s.end <= c.start or s.start >= c.end for c in chosen):
                chosen.append(s)
    return sorted(chosen, key=lambda s: s.start)


def scrub(text: str, names: NameMode = "auto") -> tuple[str, dict[str, int]]:
    """Replace personal data with typed placeholders such as `[EMAIL]`.

    `names` picks the person-name recogniser, as in `find_pii`.

    Returns:
        The scrubbed text and a count per kind of what was replaced.
    """
    spans = find_pii(text, names)
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
