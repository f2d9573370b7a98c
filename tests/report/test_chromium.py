"""The HTML report renders in headless Chromium with its plots (skipped without `chromium`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from stagewise.report import main as report_main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")
def test_report_renders_in_chromium(study_dir: Path, tmp_path: Path) -> None:
    from matplotlib.image import imread

    html = report_main(study_dir, n_boot=200)
    url = html.resolve().as_uri()
    profile = tmp_path / "profile"
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120, check=True).stdout  # fmt: skip
    # The browser parsed the inline SVG plots into the DOM (3 ladders, 1 forest, attribution).
    assert dom.count("<svg") >= 5
    assert "Stage attribution" in dom and "Verdicts" in dom
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--window-size=1280,2000",
                    f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True)  # fmt: skip
    img = imread(shot)
    assert img.shape[0] >= 1900 and img.shape[1] >= 1200
    # Not blank: plots and text put many distinct colours on the page.
    assert len(np.unique((img[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 50
