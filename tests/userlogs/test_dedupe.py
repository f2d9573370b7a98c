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
