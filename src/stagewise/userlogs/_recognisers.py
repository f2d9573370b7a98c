"""The Presidio analyzer behind the scrubber: its predefined recognisers plus ours, the Presidio way.

Presidio (`presidio-analyzer`) supplies email, phone (via `phonenumbers`), credit card, IBAN,
IP, crypto wallet, US SSN/ITIN/passport/driver licence/bank/ABA routing numbers, UK
NHS/NINO/passport, and the EU/Asian national ids it ships. We add `PatternRecognizer`s for
what it lacks: credentials (after cue words, `user / password` pairs, API keys and tokens,
credentials in URLs), SSNs/accounts/routing numbers/record ids after cue words, postal
addresses. Cue words sit in a variable-width look-behind (Presidio matches with the `regex`
module), so the masked span is the value alone, not the cue.

Recall first: a checksum (Luhn, mod-97) that passes raises a match to score 1.0, one that
fails leaves it at its pattern score instead of dropping it (a mistyped card number is still
a card number). Presidio's context words add 0.35 when they stand within five tokens; the
NLP engine here is spaCy's rule-based English tokenizer (no model download), its lowercase
tokens standing in for lemmas. A match is kept at `score >= threshold` (`DEFAULT_THRESHOLD`).
"""

from __future__ import annotations

import functools
from importlib import metadata
from typing import Any

DEFAULT_THRESHOLD = 0.3

# Presidio entity -> our placeholder kind.
KIND_OF = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CARD", "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP", "CRYPTO": "CRYPTO", "US_SSN": "SSN", "US_BANK_NUMBER": "ACCOUNT", "ABA_ROUTING_NUMBER": "ACCOUNT",
    "CRED_PASSWORD": "CREDENTIAL", "CRED_PAIR": "CREDENTIAL", "CRED_KEY": "CREDENTIAL", "CRED_FORMAT": "CREDENTIAL",
    "URL_CREDENTIALS": "URL_CREDENTIALS", "ACCOUNT": "ACCOUNT", "RECORD_ID": "RECORD_ID", "SSN_CUE": "SSN",
    "ADDRESS": "ADDRESS", "PHONE_SHAPE": "PHONE",
}
# Everything else Presidio finds (ITIN, passports, licences, NHS, NINO, national ids) is a GOV_ID.

_PREDEFINED = (
    "EmailRecognizer", "PhoneRecognizer", "IpRecognizer", "CryptoRecognizer", "UsSsnRecognizer", "UsItinRecognizer",
    "UsPassportRecognizer", "UsLicenseRecognizer", "UsBankRecognizer", "AbaRoutingRecognizer", "NhsRecognizer",
    "UkNinoRecognizer", "UkPassportRecognizer", "EsNifRecognizer", "EsNieRecognizer", "ItFiscalCodeRecognizer",
    "PlPeselRecognizer", "SgFinRecognizer", "AuTfnRecognizer", "AuMedicareRecognizer", "InPanRecognizer",
    "InAadhaarRecognizer", "FiPersonalIdentityCodeRecognizer", "CaSinRecognizer",
)

_IS = r"(?:\s+(?:is|was|are|=|:)|\s*[:=#]|\s+-)?\s*[\"'`]?"
_NUM = r"(?:\s+(?:number|no\.?|num|#|id|ID|code))?"
_PW_CUE = r"(?:password|passwort|passwd|pwd|passcode|passphrase|pass code|pin(?: code)?|pw|secret|pass)\b"
_KEY_CUE = (r"(?:api[ _-]?key|apikey|access[ _-]?key(?:[ _-]?id)?|secret[ _-]?key|client[ _-]?secret|auth[ _-]?token|"
            r"access[ _-]?token|bearer|token|private[ _-]?key)")
_ACCT_CUE = (r"(?:account|acct|a/c|checking|savings|routing|aba|transit|sort code|bsb|bank(?: account)?|swift|bic|"
             r"wire(?: to)?|iban)\b")
_RECORD_CUE = (r"(?:patient|medical record|health record|mrn|record|member(?:ship)?|insurance|policy|claim|subscriber|"
               r"group|employee|staff|badge|student|user|customer|client|case|ticket|booking|order|loyalty|"
               r"beneficiary|enrollee|plan)")
_GOV_CUE = (r"(?:passport|driver'?s?'? licen[cs]e|driving licen[cs]e|licen[cs]e|DL|national id|national identity|"
            r"national insurance|NI|NINO|id card|identity card|tax id|tax identification|TIN|EIN|ITIN|VAT|NHS|"
            r"medicare|medicaid|social insurance|SIN|aadhaar|PAN|voter id|residence permit|permit|visa)")
_STREET = (r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|"
           r"Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Close|Crescent|Row|Trail|Trl|Plaza|Alley|Strasse|Straße)")
_STOP = (r"(?!(?:the|my|a|an|on|in|of|to|down|up|at|and|or|from|this|that|our|your|his|her|their|miles?|kids?|days?|"
         r"years?|times?|people|cars?|houses?|blocks?)\b)")

_DIGITS7 = r"(?:\d\D{0,3}){7}"
# (entity, name, regex, score, trigger); flags: case-insensitive unless the regex says (?-i). The
# trigger is a cheap regex without look-behinds: the recogniser runs only on texts it matches.
_OURS: tuple[tuple[str, str, str, float, str], ...] = (
    ("URL_CREDENTIALS", "credentials in a URL",
     r"\b[a-z][a-z0-9+.-]*://(?:[^\s:/@]+:[^\s/@]+@[^\s]+|[^\s?#]+\?[^\s]*?"
     r"(?:token|access_token|api_key|apikey|key|password|passwd|pwd|secret|sig|signature|auth)=[^\s]+)", 1.0, r"://"),
    # After "password:" / "password=" any token; after "password is" only one with a digit or
    # a symbol ("my password is hunter2!", not "my password is incorrect"), or a quoted one.
    ("CRED_PASSWORD", "password after a cue word",
     rf"(?<=\b{_PW_CUE}(?:\s+(?:for|to|on)\s+[\w.@-]+)?\s*[:=]\s*[\"'`]?)(?![\"'`])[^\s\"'`,;]{{3,}}(?<![.)])"
     rf"|(?<=\b{_PW_CUE}(?:\s+(?:for|to|on)\s+[\w.@-]+)?\s+(?:is|was|=|:)\s+[\"'`])[^\s\"'`]{{3,}}"
     rf"|(?<=\b{_PW_CUE}(?:\s+(?:for|to|on)\s+[\w.@-]+)?\s+(?:is|was)\s+)(?=[^\s\"'`]*[\d!@#$%^&*_+=?~])"
     r"[^\s\"'`,;]{3,}(?<![.)])", 0.8, rf"{_PW_CUE}(?:\s+(?:for|to|on)\s+\S+)?(?:\s*[:=]|\s+(?:is|was)\s+(?:[\"'`]|\S*[\d!@#$%^&*_+=?~]))"),
    ("CRED_PAIR", "user / password pair",
     r"(?<=\b(?:login|log in|sign in|signin|credentials|creds|user(?:name)?|account|username/password|"
     r"user/pass)\b[^\n]{0,25}?)(?<![\w.@+-])[\w.@+-]{2,}\s?/\s?[^\s/]{4,}(?<![.,)])", 0.8, r"(?:login|log in|sign in|signin|credentials|creds|user|account)[^\n]{0,25}?\S ?/ ?\S"),
    ("CRED_KEY", "key or token after a cue word",
     rf"(?<=\b{_KEY_CUE}{_IS})(?=[^\s\"'`]*\d)[A-Za-z0-9][A-Za-z0-9_\-./+=:]{{7,}}", 0.6, rf"{_KEY_CUE}[^\n]{{0,12}}?\d"),
    ("CRED_FORMAT", "well-known key format",
     r"(?-i:\b(?:sk-(?:proj-|live-|test-)?[A-Za-z0-9_-]{16,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|"
     r"github_pat_\w{20,}|xox[abprs]-[\w-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|glpat-[\w-]{16,}|"
     r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{6,}|hf_[A-Za-z0-9]{20,}|-----BEGIN [A-Z ]*PRIVATE KEY-----))", 0.8, r"(?-i:sk-|sk_|gh[pousr]_|github_pat_|xox|AKIA|AIza|glpat-|eyJ|hf_|PRIVATE KEY)"),
    ("SSN_CUE", "number after SSN",
     r"(?<=\b(?:SSN|SS#|social security(?:\s+(?:number|no\.?|#))?|social)\W{0,6})\d{3}[- .]?\d{2}[- .]?\d{4}\b",
     0.8, r"(?:ssn|ss#|social)\W{0,30}\d"),
    ("ACCOUNT", "number after an account or routing cue",
     rf"(?<=\b{_ACCT_CUE}{_NUM}{_IS})\b(?=[A-Z]{{0,4}}[ -]?\d)(?=[A-Z0-9 -]*\d{{3}})[A-Z0-9][A-Z0-9-]*(?:[ -]\d[\dA-Z-]*)*\d\b", 0.8, rf"{_ACCT_CUE}[^\n]{{0,25}}?\d"),
    ("RECORD_ID", "record id after a cue",
     rf"(?<=\b{_RECORD_CUE}(?:\s+(?:id|ID|number|no\.?|num|#|identifier|code))+{_IS}|\bMRN{_IS}|\b(?:ID|id)\s*[:#]\s*)"
     r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,}\b", 0.8, r"(?:mrn|\bid\b|number|no\.|num|#|identifier|code)\W{0,6}[\w-]*\d"),
    ("GOV_ID_CUE", "document number after a cue",
     rf"(?<=\b{_GOV_CUE}{_NUM}{_IS})\b(?=[A-Z]{{0,3}}[ -]?\d)[A-Z0-9][A-Z0-9 -]{{3,18}}[A-Z0-9]\b(?<!\s\w)", 0.8, rf"{_GOV_CUE}[^\n]{{0,25}}?\d"),
    ("NUMBER_CUE", "structured number after a generic number cue",
     r"(?<=\b(?:number|no\.|#|identifier|reference|ref)\s*(?:is|:|=)?\s*)(?-i:[A-Z]{0,4}-?\d[\d-]{5,}[A-Z]?)\b", 0.35,
     r"(?:number|no\.|#|identifier|reference|ref)\W{0,6}[\w-]*\d"),
    # phonenumbers rejects numbers in unassigned ranges (555, fictional area codes); they are still numbers.
    ("PHONE_SHAPE", "phone-shaped number",
     r"(?:(?<![\w+])\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,5}(?:[ .-]?\d{2,5}){1,4}(?!\d)"
     r"|(?<![\w])(?:1[ .-])?\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|(?<![\w.-])(?:1[ .-])?\d{3}[.-]\d{3}[.-]\d{4}(?![\w-])"
     r"|(?<![\w.-])\d{3} \d{3} \d{4}(?![\w-])|(?<![\w])0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}(?![\w-]))", 0.5, _DIGITS7),
    ("NINO", "UK national insurance number",
     r"(?-i:\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b)", 0.85, r"(?-i:[A-Z]{2} ?\d\d)"),
    ("ADDRESS", "street address",
     rf"\b\d{{1,6}}[A-Za-z]?(?:[ \t]+{_STOP}(?:[A-Za-z][A-Za-z'.-]*|\d+(?:st|nd|rd|th))){{1,4}}[ \t]+{_STREET}\b\.?"
     r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\.?\s*#?[\w-]+)?|\bP\.?\s?O\.?\s?Box\s+\d+", 0.6, rf"\b{_STREET}\b|box"),
)


# Presidio's own entities and the cheap regex that must match before their recogniser runs.
_PREDEFINED_TRIGGERS = {
    "EMAIL_ADDRESS": r"@", "PHONE_NUMBER": _DIGITS7, "CREDIT_CARD": r"(?:\d\D{0,2}){12}",
    "IBAN_CODE": r"(?-i:[A-Z]{2}\d\d)", "IP_ADDRESS": r"\d\.\d{1,3}\.\d|[0-9a-f]:[0-9a-f]*:",
    "CRYPTO": r"(?-i:\b(?:bc1|[13])[a-km-zA-HJ-NP-Z1-9]{25}|\b0x[0-9a-fA-F]{40})",
}
_ID_DIGITS = r"(?:\d\D{0,2}){6}"  # every other predefined recogniser: an id of 6+ digits


_NO_DIGIT_NEEDED = frozenset({"EMAIL_ADDRESS", "URL_CREDENTIALS", "CRED_PASSWORD", "CRED_PAIR", "CRED_FORMAT"})
_DIGIT = __import__("re").compile(r"\d")


@functools.cache
def _triggers() -> tuple[tuple[Any, tuple[str, ...], bool], ...]:
    # One scan per distinct trigger (most predefined ids share one); digit-needing ones are
    # skipped outright on texts without a digit, which is most chat turns.
    import re

    rx = {e: t for e, _, _, _, t in _OURS} | _PREDEFINED_TRIGGERS
    groups: dict[tuple[str, bool], list[str]] = {}
    for e in sorted({e for r in analyzer().registry.recognizers for e in r.supported_entities}):
        groups.setdefault((rx.get(e, _ID_DIGITS), e not in _NO_DIGIT_NEEDED), []).append(e)
    return tuple((re.compile(t, re.I), tuple(es), digit) for (t, digit), es in groups.items())


def triggered_entities(text: str) -> list[str]:
    """The entities whose cheap trigger matches `text`: the only ones Presidio is asked for."""
    has_digit = _DIGIT.search(text) is not None
    return [e for rx, es, digit in _triggers() if (has_digit or not digit) and rx.search(text) for e in es]


def recogniser_versions() -> str:
    """What an ingest fingerprints: the Presidio and phonenumbers versions, and our patterns."""
    import hashlib

    ours = hashlib.sha256(repr((_OURS, _PREDEFINED, DEFAULT_THRESHOLD)).encode()).hexdigest()[:12]
    vers = "|".join(f"{p}={metadata.version(p)}" for p in ("presidio-analyzer", "phonenumbers"))
    return f"{vers}|ours={ours}"


def _checksum_lowers_confidence(cls: type) -> type:
    # Presidio drops a match whose checksum fails; we keep it at its pattern score.
    class Lenient(cls):  # type: ignore[misc, valid-type]
        def validate_result(self, pattern_text: str) -> bool | None:
            return True if super().validate_result(pattern_text) else None

    Lenient.__name__ = f"Lenient{cls.__name__}"
    return Lenient


def _ssn_rules_kept_loose(cls: type) -> type:
    # Presidio rejects some SSA-invalid SSNs; after the word "SSN" they are still someone's number.
    class Loose(cls):  # type: ignore[misc, valid-type]
        def invalidate_result(self, pattern_text: str) -> bool:
            digits = "".join(c for c in pattern_text if c.isdigit())
            return len(set(digits)) == 1

    return Loose


def _offline_email(cls: type) -> type:
    # Presidio checks the domain with tldextract, which downloads the public-suffix list on
    # first use; we use the snapshot tldextract ships, so scrubbing never touches the network.
    import tldextract

    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class Offline(cls):  # type: ignore[misc, valid-type]
        def validate_result(self, pattern_text: str) -> bool:
            return extract(pattern_text).fqdn != ""

    return Offline


@functools.cache
def analyzer() -> Any:
    """The Presidio `AnalyzerEngine` (built once per process: importing Presidio takes seconds)."""
    import logging

    import regex
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer import predefined_recognizers as pr

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    recs: list[Any] = [getattr(pr, n)(supported_language="en") for n in _PREDEFINED
                       if n not in ("UsSsnRecognizer", "EmailRecognizer")]
    recs.append(_offline_email(pr.EmailRecognizer)(supported_language="en"))
    recs.append(_ssn_rules_kept_loose(pr.UsSsnRecognizer)(supported_language="en"))
    recs.append(_checksum_lowers_confidence(pr.CreditCardRecognizer)(supported_language="en"))
    recs.append(_checksum_lowers_confidence(pr.IbanRecognizer)(supported_language="en"))
    for entity, name, rx, score, _ in _OURS:
        recs.append(PatternRecognizer(
            supported_entity=entity, name=f"stagewise {name}", patterns=[Pattern(name, rx, score)],
            supported_language="en", global_regex_flags=regex.IGNORECASE | regex.MULTILINE,
        ))
    registry = RecognizerRegistry(recognizers=recs, supported_languages=["en"])
    return AnalyzerEngine(registry=registry, nlp_engine=_token_engine(), supported_languages=["en"])


def _token_engine() -> Any:
    """No model: spaCy's rule-based English tokenizer, lowercase tokens as lemmas, so context words work."""
    import spacy
    from presidio_analyzer.nlp_engine import NlpArtifacts, NoOpNlpEngine

    blank = spacy.blank("en")

    class TokenNlpEngine(NoOpNlpEngine):  # type: ignore[misc]
        def process_text(self, text: str, language: str) -> Any:
            doc = blank.make_doc(text)
            return NlpArtifacts(entities=[], tokens=doc, tokens_indices=[t.idx for t in doc],
                                lemmas=[t.text.lower() for t in doc], nlp_engine=self, language=language, scores=[])

    engine = TokenNlpEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    engine.load()
    return engine
