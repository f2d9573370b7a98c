"""Build the HELD-OUT labelled set (src/stagewise/userlogs/pii_heldout.jsonl).

Run: python tests/userlogs/make_pii_heldout.py. Written once, after the recognisers, in a
different voice from make_pii_testset.py (forms, support tickets, HR and clinic mail, chat
pastes), with its own name pools and value formats; the recognisers were not tuned on it, and
docs/userlogs.md reports it next to the packaged set. Each line: {"text", "spans": [[start,
end, kind], ...], "decoys": [[start, end, "ORG" | "TITLE"], ...]}; decoys must not be masked.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "src/stagewise/userlogs/pii_heldout.jsonl"
R = random.Random(77)
FIRST = ["Daniel", "Lisa", "Jane", "Alex", "Arjun", "Meera", "Tomasz", "Fatima", "Kwame", "Ingrid", "Rafael", "Yuki",
         "Nadia", "Samuel", "Chloe", "Ivan", "Lucia", "Hannah", "Omar", "Beatriz"]
LAST = ["Nwosu", "Johnson", "Okafor", "Lindqvist", "Moreau", "Kaur", "Brennan", "Takahashi", "Mensah", "Novak",
        "Alvarez", "Schmidt", "Rossi", "Fischer", "Dubois", "Ahmed"]
TITLES = ["Applicant", "HR Manager", "Senior Engineer", "Account Executive", "Head Nurse", "Project Lead",
          "Chief Financial Officer", "Case Worker", "Recruiter", "Office Manager"]
ORGS = ["Acme Logistics", "Northwind Traders", "Globex Corporation", "St. Mary's Hospital", "Bank of Lisbon",
        "Contoso Ltd", "Initech", "Blue Harbor Credit Union", "Riverside Clinic", "Umbrella Insurance"]


def d(n: int) -> str:
    return "".join(R.choice("0123456789") for _ in range(n))


def up(n: int) -> str:
    return "".join(R.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(n))


def luhn(prefix: str, length: int, valid: bool = True) -> str:
    while True:
        s = prefix + d(length - len(prefix))
        total = sum((int(c) * 2 - 9 if int(c) * 2 > 9 else int(c) * 2) if i % 2 else int(c)
                    for i, c in enumerate(reversed(s)))
        if (total % 10 == 0) == valid:
            return s


def group4(s: str, sep: str) -> str:
    return sep.join(s[i:i + 4] for i in range(0, len(s), 4))


def iban(valid: bool) -> str:
    country, n = R.choice([("DE", 18), ("FR", 23), ("IT", 23), ("BE", 12), ("PL", 24), ("CH", 17)])
    bban = d(n) if country != "IT" else up(1) + d(n - 1)
    check = 98 - int("".join(str(int(c, 36)) for c in bban + country + "00")) % 97
    if not valid:
        check = (check + R.randint(1, 9)) % 97 or 11
    s = f"{country}{check:02d}{bban}"
    return group4(s, " ") if R.random() < 0.5 else s


def password() -> str:
    return R.choice([f"{R.choice(['Summer', 'Winter', 'Blue', 'Tiger', 'Qwerty'])}{d(2)}{R.choice('!#$%')}",
                     f"{up(1).lower()}{d(3)}{up(2).lower()}{R.choice('!@#')}{d(2)}", f"correct-horse-{d(3)}",
                     f"P@ss{d(4)}", f"{R.choice(LAST).lower()}{d(4)}"])


def value(kind: str) -> str:
    name = f"{R.choice(FIRST)} {R.choice(LAST)}"
    return {
        "EMAIL": f"{R.choice(FIRST).lower()}.{R.choice(LAST).lower()}{R.choice(['', d(2)])}@"
                 f"{R.choice(['outlook.com', 'acme-logistics.com', 'clinic.org.uk', 'posteo.de'])}",
        "PHONE": R.choice([f"({d(3)}) {d(3)} {d(4)}", f"+353 87 {d(3)} {d(4)}", f"+1 ({d(3)}) {d(3)}-{d(4)}",
                           f"0{d(3)} {d(3)} {d(4)}", f"+34 6{d(2)} {d(3)} {d(3)}"]),
        "SSN": R.choice([f"9{d(2)}-{d(2)}-{d(4)}", f"{R.randint(100, 899)}-{d(2)}-{d(4)}", f"{R.randint(100, 899)}{d(6)}",
                         f"{R.randint(100, 899)} {d(2)} {d(4)}"]),
        "CARD": R.choice([group4(luhn("4", 16), " "), group4(luhn("5", 16, False), "-"), luhn("37", 15),
                          group4(luhn("6011", 16), " ")]),
        "IBAN": iban(R.random() < 0.5),
        "GOV_ID": R.choice([f"{up(1)}{d(8)}", f"{d(9)}", f"{up(2)}{d(7)}", f"{up(1)}{d(3)}-{d(4)}-{d(4)}", f"{d(2)}-{d(7)}"]),
        "ACCOUNT": R.choice([d(10), d(8), f"{d(4)} {d(4)} {d(2)}", f"{d(3)}-{d(6)}-{d(1)}", d(12)]),
        "ROUTING": R.choice(["021000021", "011000015", "122105155", d(9)]),
        "CREDENTIAL": password(),
        "RECORD_ID": R.choice([f"{up(2)}-{d(6)}", f"{d(8)}", f"{up(3)}{d(7)}", f"E{d(5)}", f"{d(4)}-{d(4)}"]),
        "NAME": name,
    }[kind]


# (template, {slot: kind}); slots are {a}, {b}, ...; {t} a title decoy, {o} an org decoy.
TEMPLATES: list[tuple[str, dict[str, str]]] = [
    ("Applicant {a}, please reply to {b} to confirm the interview.", {"a": "NAME", "b": "EMAIL"}),
    ("{t} {a} asked me to forward this. Her direct line is {b}.", {"a": "NAME", "b": "PHONE"}),
    ("Form W-9: taxpayer SSN {a} (please keep confidential)", {"a": "SSN"}),
    ("SSN: {a}", {"a": "SSN"}),
    ("my social is {a} if you need it for the credit check", {"a": "SSN"}),
    ("Paid with card {a}, exp 11/28, and it got declined??", {"a": "CARD"}),
    ("the visa ending in the number {a} was charged twice", {"a": "CARD"}),
    ("Wire the deposit to IBAN {a} (account holder {b}).", {"a": "IBAN", "b": "NAME"}),
    ("Beneficiary account: {a}", {"a": "IBAN"}),
    ("Please update my direct deposit: routing {a}, account {b}.", {"a": "ROUTING", "b": "ACCOUNT"}),
    ("ABA routing number: {a} / checking acct #{b}", {"a": "ROUTING", "b": "ACCOUNT"}),
    ("our acct no. is {a} at {o}", {"a": "ACCOUNT"}),
    ("Passport No: {a}, issued 2019", {"a": "GOV_ID"}),
    ("Driver's license number {a} (state: OH)", {"a": "GOV_ID"}),
    ("Tax ID {a} for the invoice from {o}", {"a": "GOV_ID"}),
    ("I keep getting locked out. username: {u} password: {a}", {"a": "CREDENTIAL"}),
    ("login is {a} if you want to test it", {"a": "CREDENTIAL_PAIR"}),
    ("The wifi password is {a}", {"a": "CREDENTIAL"}),
    ("pwd={a}", {"a": "CREDENTIAL"}),
    ("Here's my config: OPENAI_API_KEY=sk-proj-{k}", {}),
    ("token: ghp_{k}{k}", {}),
    ("Patient ID {a}, DOB withheld, seen by {t} {b}", {"a": "RECORD_ID", "b": "NAME"}),
    ("MRN: {a}", {"a": "RECORD_ID"}),
    ("insurance member id {a}, group number {b}", {"a": "RECORD_ID", "b": "RECORD_ID"}),
    ("Employee ID: {a} - {b}, {t}, {o}", {"a": "RECORD_ID", "b": "NAME"}),
    ("Hi team, {a} from {o} here. Reach me at {b} or {c}.", {"a": "NAME", "b": "EMAIL", "c": "PHONE"}),
    ("Thanks, {a}\n{t}, {o}", {"a": "NAME"}),
    ("cc: {a}, {b}", {"a": "NAME", "b": "NAME"}),
    ("Can you rewrite this reference letter for {a}? She worked with us at {o} for five years.", {"a": "NAME"}),
    ("{t} {a} approved the request on behalf of {o}.", {"a": "NAME"}),
    ("No personal data here: the {t} at {o} approved budget line 4471 for Q3.", {}),
    ("Ask {o} support about order 2024-118 and version 3.2.1", {}),
]


def build() -> list[dict]:
    import re

    rows = []
    for i in range(400):
        tmpl, slots = TEMPLATES[i % len(TEMPLATES)]
        spans, decoys = [], []
        text = ""
        pos = 0
        for m in re.finditer(r"\{(\w)\}", tmpl):
            text += tmpl[pos:m.start()]
            slot = m.group(1)
            start = len(text)
            if slot == "t":
                v = R.choice(TITLES)
                decoys.append([start, start + len(v), "TITLE"])
            elif slot == "o":
                v = R.choice(ORGS)
                decoys.append([start, start + len(v), "ORG"])
            elif slot == "u":
                v = f"{R.choice(FIRST).lower()}{d(2)}"
                spans.append([start, start + len(v), "CREDENTIAL"])
            elif slot == "k":
                v = "".join(R.choice("abcdefghijkLMNOPQRS0123456789") for _ in range(24))
                key_start = max(text.rfind(" ", 0, start), text.rfind("=", 0, start)) + 1  # the key's prefix too
                spans.append([key_start, start + len(v), "CREDENTIAL"])
            else:
                kind = slots[slot]
                if kind == "CREDENTIAL_PAIR":
                    v = f"{R.choice(FIRST).lower()}{d(2)} / {password()}"
                    kind = "CREDENTIAL"
                else:
                    v = value(kind)
                    kind = {"ROUTING": "ACCOUNT"}.get(kind, kind)
                spans.append([start, start + len(v), kind])
            text += v
            pos = m.end()
        text += tmpl[pos:]
        # merge adjacent key spans written as two {k}
        merged: list[list] = []
        for s in spans:
            if merged and merged[-1][2] == s[2] == "CREDENTIAL" and merged[-1][1] == s[0]:
                merged[-1][1] = s[1]
            else:
                merged.append(s)
        rows.append({"text": text, "spans": merged, "decoys": decoys})
    return rows


if __name__ == "__main__":
    rows = build()
    OUT.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"wrote {len(rows)} rows to {OUT}")
