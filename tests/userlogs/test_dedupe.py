from stagewise.userlogs.dedupe import Deduper, exact_hash, simhash

A = "Write a short poem about my cat who loves sleeping on the warm windowsill in the afternoon sun"


def test_exact_near_and_distinct():
    d = Deduper(max_distance=3)
    check = lambda t: d.check(exact_hash(t), simhash(t))  # noqa: E731
    assert check(A) == "keep"
    assert check(A.upper() + "!!") == "exact_duplicate"
    assert check(A + " please") == "near_duplicate"
    assert check("Explain quantum entanglement to a five year old child in simple words") == "keep"
    assert len(d) == 2


def test_exact_only():
    d = Deduper(max_distance=0)
    assert d.check(exact_hash(A), 0) == "keep"
    assert d.check(exact_hash(A + " please"), 0) == "keep"


def test_near_duplicate_rates_on_many_prompts():
    import random

    r = random.Random(0)
    vocab = [f"w{i}" for i in range(3000)]
    base = [" ".join(r.choices(vocab, k=r.randint(30, 80))) for _ in range(300)]
    d = Deduper()
    assert all(d.check(exact_hash(t), simhash(t)) == "keep" for t in base)  # distinct prompts: no false hits
    found = sum(d.check(exact_hash(t + " thanks"), simhash(t + " thanks")) == "near_duplicate" for t in base)
    assert found / len(base) > 0.7
