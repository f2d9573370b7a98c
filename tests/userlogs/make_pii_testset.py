"""Build the labelled personal-data test set (src/stagewise/userlogs/pii_testset.jsonl).

Run: python tests/userlogs/make_pii_testset.py. Seeded; each line is
{"text": ..., "spans": [[start, end, kind], ...]}. Formats vary on purpose (separators,
country formats, casing, position in the sentence) and decoys that look like personal data
but are not (versions, dates, order numbers, failing checksums) measure precision.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "src/stagewise/userlogs/pii_testset.jsonl"
R = random.Random(20261129)
FIRST = ["Sarah", "John", "Priya", "Wei", "Carlos", "Emma", "Mohammed", "Olga", "Liam", "Grace", "Hiroshi", "Ana"]
LAST = ["Connor", "Smith", "Patel", "Zhang", "Garcia", "Johnson", "Haddad", "Ivanova", "O'Brien", "Nakamura", "Kowalski"]
RARE_FIRST = ["Thandiwe", "Bartholomew", "Ximena", "Oluwaseun", "Siobhan", "Radek"]
STREETS = ["Elm", "Maple", "Oak Hill", "Martin Luther King", "5th", "Sunset", "Baker", "Rue de la Paix", "Willow Creek"]
SUFFIX = ["Street", "St", "Avenue", "Ave.", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Drive", "Court", "Way", "Place"]
DOMAINS = ["gmail.com", "yahoo.co.uk", "example.org", "mail.company-x.io", "uni.edu.au", "proton.me"]


def luhn_complete(prefix: str, length: int) -> str:
    body = prefix + "".join(R.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for d in "0123456789":
        digits = body + d
        total = sum((int(c) * 2 - 9 if int(c) * 2 > 9 else int(c) * 2) if i % 2 else int(c)
                    for i, c in enumerate(reversed(digits)))
        if total % 10 == 0:
            return digits
    raise AssertionError


def iban() -> str:
    country, length = R.choice([("DE", 22), ("GB", 22), ("FR", 27), ("NL", 18), ("ES", 24)])
    bban = ("".join(R.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) if country in ("GB", "NL") else "") \
        + "".join(R.choice("0123456789") for _ in range(length - 4 - (4 if country in ("GB", "NL") else 0)))
    n = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    s = f"{country}{98 - n % 97:02d}{bban}"
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4)) if R.random() < 0.5 else s


def d(n: int) -> str:
    return "".join(R.choice("0123456789") for _ in range(n))


def email() -> str:
    user = R.choice([f"{R.choice(FIRST).lower()}.{R.choice(LAST).lower().replace(chr(39), '')}",
                     f"{R.choice(FIRST).lower()}{d(2)}", f"j_doe+{d(3)}", f"{R.choice(LAST)[0].lower()}{d(4)}"])
    return f"{user}@{R.choice(DOMAINS)}"


def phone() -> str:
    a, b, c = str(R.randint(201, 989)), d(3), d(4)
    return R.choice([f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", f"+1-{a}-{b}-{c}",
                     f"+44 20 {d(4)} {d(4)}", f"07{d(3)} {d(6)}", f"+49 30 {d(8)}", f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}",
                     f"+91 {d(5)} {d(5)}", f"1-800-{b}-{c}", f"{a} {b} {c}", f"+61 4{d(2)} {d(3)} {d(3)}"])


def card() -> str:
    num = R.choice([luhn_complete("4", 16), luhn_complete("51", 16), luhn_complete("37", 15), luhn_complete("6011", 16)])
    sep = R.choice(["", " ", "-"])
    if len(num) == 15:
        return f"{num[:4]}{sep}{num[4:10]}{sep}{num[10:]}"
    return sep.join(num[i:i + 4] for i in range(0, 16, 4))


def ip() -> str:
    if R.random() < 0.75:
        return ".".join(str(R.randint(1, 254)) for _ in range(4))
    groups = [f"{R.randint(0, 65535):x}" for _ in range(8)]
    return R.choice([":".join(groups), ":".join(groups[:3]) + "::" + groups[7], "fe80::" + ":".join(groups[:3])])


def cred_url() -> str:
    host = R.choice(["db.internal.example.com", "git.company.io", "203.0.113.5:5432", "ftp.example.net"])
    return R.choice([f"postgres://admin:{d(3)}Secret@{host}/prod", f"https://user:pa55w0rd@{host}/repo.git",
                     f"ftp://backup:{R.choice(LAST).lower()}{d(2)}@{host}/dump",
                     f"https://api.example.com/v1/data?user=1&api_key=sk{d(12)}",
                     f"https://example.com/reset?token={d(6)}abc{d(6)}"])


def ssn() -> str:
    a, b, c = f"{R.randint(1, 665):03d}", f"{R.randint(1, 99):02d}", f"{R.randint(1, 9999):04d}"
    return R.choice([f"{a}-{b}-{c}", f"{a} {b} {c}"])


def gov_id() -> tuple[str, str]:
    nino = f"{R.choice('ABCEHJKLMPRSTWXY')}{R.choice('ABCEHJLMPRSWXY')} {d(2)} {d(2)} {d(2)} {R.choice('ABCD')}"
    return R.choice([(nino, "my NI number is {}"), (nino.replace(" ", ""), "National Insurance {} for the form"),
                     (f"{R.choice('CKLMNP')}{d(8)}", "my passport number is {} and it expires soon"),
                     (f"D{d(3)}-{d(4)}-{d(4)}", "driver's license {} was suspended"),
                     (d(9), "SSN {} on the W-2"), (f"{d(3)}{d(2)}{d(4)}", "social security number: {}")])


def address() -> str:
    street = f"{R.randint(1, 9999)} {R.choice(STREETS)} {R.choice(SUFFIX)}"
    return R.choice([street, f"{street}, Apt {R.randint(1, 40)}", f"{street} Suite {R.randint(100, 999)}",
                     street.lower(), f"PO Box {R.randint(10, 9999)}"])


def name() -> tuple[str, str]:
    full = f"{R.choice(FIRST)} {R.choice(LAST)}"
    rare = f"{R.choice(RARE_FIRST)} {R.choice(LAST)}"
    return R.choice([(full, "My name is {} and I need help."), (rare, "Dear {},\nthanks for the update."),
                     (R.choice(FIRST), "my wife {} keeps forgetting"), (full, "Please forward this to {} today."),
                     (rare, "Regards, {}"), (f"Dr. {R.choice(LAST)}", "I saw {} yesterday"),
                     (rare, "Our new hire {} starts Monday."), (full, "I'm {}, a nurse in Ohio.")])


CONTEXTS = {
    "EMAIL": ["contact me at {}", "my email is {} thanks", "{} is my work address", "send it to <{}>."],
    "PHONE": ["call me on {}", "my number is {}.", "text {} if late", "Phone: {}"],
    "CARD": ["my card {} was charged twice", "card number: {}, exp 09/27", "I paid with {}."],
    "IP": ["the server at {} is down", "ssh into {} please", "blocked IP {}."],
    "URL_CREDENTIALS": ["clone {} and run it", "the link {} stopped working", "connection string: {}"],
    "SSN": ["my SSN is {}", "SSN: {}.", "use {} as the social security number"],
    "ADDRESS": ["I live at {}, Springfield", "ship it to {} please", "the party is at {} tonight"],
    "IBAN": ["wire it to {} by Friday", "IBAN: {}", "my account {} was frozen"],
}
MAKERS = {"EMAIL": email, "PHONE": phone, "CARD": card, "IP": ip, "URL_CREDENTIALS": cred_url, "SSN": ssn,
          "ADDRESS": address, "IBAN": iban}
DECOYS = ["Update to version 2.14.3 before 2023-10-12.", "Order #{} shipped at 12:30:45.",
          "It costs $1,299.99 for 3 years.", "ISBN 978-0-{}-0.", "Room 1204 at 9 am, call later.",
          "The year 1984 and 2001 were good.", "I ran 10 miles down the street.", "Use port 8080 and 443.",
          "Card 4111 1111 1111 1112 is invalid", "Tracking: 1Z999AA1{}", "Meet me at 5th and Main.",
          "The ratio was 3.14159 over 2.71828.", "The Great Gatsby was written by a novelist.",
          "Python 3.11.7 on Ubuntu 22.04", "Reference {}-{} from the manual"]


def record(value: str, tpl: str, kind: str) -> dict:
    pre, _, post = tpl.partition("{}")
    filler = R.choice(["", "Hi, ", "Quick question: ", "ok so ", "URGENT!! "])
    text = filler + pre + value + post + R.choice(["", " Can you help?", " What should I do?"])
    start = len(filler + pre)
    return {"text": text, "spans": [[start, start + len(value), kind]]}


def main() -> None:
    rows = []
    for kind, make in MAKERS.items():
        for _ in range(150):
            rows.append(record(make(), R.choice(CONTEXTS[kind]), kind))
    for _ in range(150):
        v, tpl = gov_id()
        rows.append(record(v, tpl, "SSN" if "social" in tpl.lower() or "SSN" in tpl else "GOV_ID"))
    for _ in range(150):
        v, tpl = name()
        rows.append(record(v, tpl, "NAME"))
    for _ in range(100):  # two kinds in one message
        a, b = R.sample(list(MAKERS), 2)
        ra, rb = record(MAKERS[a](), R.choice(CONTEXTS[a]), a), record(MAKERS[b](), R.choice(CONTEXTS[b]), b)
        off = len(ra["text"]) + 1
        rows.append({"text": ra["text"] + " " + rb["text"],
                     "spans": ra["spans"] + [[s + off, e + off, k] for s, e, k in rb["spans"]]})
    for _ in range(300):
        rows.append({"text": R.choice(DECOYS).replace("{}", d(6)), "spans": []})
    R.shuffle(rows)
    OUT.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
