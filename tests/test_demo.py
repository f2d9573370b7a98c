"""`stagewise demo` (the README's first command) end to end, without the training step.

Training the SFT and DPO rungs is covered by tests/train; here the packaged Gemma base and
SmolLM2 go through the battery, the comparison and the report, exactly as the demo prints them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stagewise.cli import main as cli_main


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stagewise.providers import _cache

    monkeypatch.setattr(_cache, "cache_root", lambda: tmp_path / "gencache")


def test_demo_without_training_runs_battery_compare_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert cli_main(["demo", "--no-train", "--limit", "2", "--noise-epochs", "3", "--out", str(out),
                     "--display", "none"]) == 0
    printed = capsys.readouterr().out
    assert "[2/3] safety battery on 2 rungs: gemma-base, smollm2-instruct" in printed
    assert "demo finished in" in printed
    report = out / "report" / "report.html"
    assert report.is_file() and "gemma-base" in report.read_text()
    summary = json.loads((out / "results" / "summary.json").read_text())
    rows = summary if isinstance(summary, list) else summary.get("rows", summary)
    assert {"gemma-base", "smollm2-instruct"} <= {r["rung"] for r in rows}
    comparison = json.loads((out / "results" / "compare.json").read_text())
    noise = {n["metric"]: n for n in comparison["noise"]}
    assert noise and {n["rung"] for n in noise.values()} == {"smollm2-instruct"}, "production sampled 3 times"
    assert all(n["n_epochs"] == 3 and len(n["pair_diffs"]) == 3 for n in noise.values())
    assert "noise band (smollm2-instruct sampled 3 times" in printed
