"""The runner end to end on a real tiny model: results, resume after a kill, bad input."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from stagewise.cli import main as cli_main
from stagewise.errors import RunError
from stagewise.evaluate.results import COLUMNS, collect
from stagewise.evaluate.runner import run_study
from stagewise.evaluate.study import load_study

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "stagewise" / "demo_data"


def study_file(tmp_path: Path, *, limit: int = 3, max_tokens: int = 12, extra: str = "") -> Path:
    text = f"""
name: t
output_dir: {tmp_path / "out"}
data_dir: {DEMO_DATA}
ladder:
  - name: smol
    stage: production
    source: packaged:smollm2-135m-instruct
    model_args: {{batch_size: 1}}
benchmarks:
  xstest: {{}}
  strongreject: {{subset: small}}
limit: {limit}
generation: {{max_tokens: {max_tokens}}}
{extra}
"""
    p = tmp_path / "study.yaml"
    p.write_text(text)
    return p


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGEWISE_CACHE_GENERATIONS", "")
    # converted checkpoints stay in the shared cache; generations go to a fresh one per test
    from stagewise.providers import _cache

    monkeypatch.setattr(_cache, "cache_root", lambda: tmp_path / "gencache")


def cache_rows(tmp_path: Path) -> dict[str, float]:
    db = tmp_path / "gencache" / "generations.sqlite"
    if not db.exists():
        return {}
    try:
        with sqlite3.connect(db) as c:
            return {k: json.loads(v)["generated_at"] for k, v in c.execute("SELECT key, value FROM gen")}
    except sqlite3.OperationalError:  # the run created the file but not yet its table
        return {}


def _assert_logs_carry_the_contract(logs: list[Path]) -> None:
    """Every log records what later stages need: rung, stage, source, content hash, benchmark, options, judge."""
    from inspect_ai.log import read_eval_log

    metas = {m["stagewise_benchmark"]: m for m in (read_eval_log(str(f), header_only=True).eval.metadata for f in logs)}
    assert set(metas) == {"xstest", "strongreject"}
    for m in metas.values():
        assert m["stagewise_rung"] == "smol" and m["stagewise_stage"] == "production"
        assert m["stagewise_source"] == {"kind": "packaged", "name": "smollm2-135m-instruct"}
        assert len(m["stagewise_content_id"]) >= 16
        assert m["stagewise_judge"] == {"role": "grader", "kind": "refusal-model"}  # the default offline judge
    assert metas["strongreject"]["stagewise_options"] == {"subset": "small"}


def test_run_collect_and_rerun_is_free(tmp_path: Path) -> None:
    study = load_study(study_file(tmp_path))
    out = run_study(study, display="none")
    df = collect(out)
    assert list(df.columns) == COLUMNS
    assert set(df.benchmark) == {"xstest", "strongreject"}
    assert df.groupby("benchmark").item_id.nunique().to_dict() == {"xstest": 3, "strongreject": 3}
    assert (out / "results" / "samples.parquet").is_file()
    assert set(df.judge) == {"refusal-model"}
    before = cache_rows(tmp_path)
    assert len(before) == 6
    logs = sorted((out / "logs" / "smol").glob("*.eval"))
    _assert_logs_carry_the_contract(logs)
    run_study(study, display="none")
    assert sorted((out / "logs" / "smol").glob("*.eval")) == logs, "finished tasks are not rerun"
    assert cache_rows(tmp_path) == before


def _start_run(tmp_path: Path, display: str, **popen: Any) -> tuple[Path, list[str], dict[str, str], subprocess.Popen]:
    """Start `stagewise run` on a 6-item study with its own generation cache; return once 3
    generations are cached (mid-run)."""
    path = study_file(tmp_path, limit=6, max_tokens=48)
    env = {**os.environ, "STAGEWISE_CACHE": str(tmp_path / "gencache")}
    # the converted checkpoint must exist in this cache too: reuse the shared one by symlink
    from stagewise._atomic import cache_root

    (tmp_path / "gencache").mkdir()
    os.symlink(cache_root() / "checkpoints", tmp_path / "gencache" / "checkpoints")
    cmd = [sys.executable, "-m", "stagewise.cli", "run", str(path), "--display", display]
    proc = subprocess.Popen(cmd, env=env, **popen)
    deadline = time.monotonic() + 240
    while len(cache_rows(tmp_path)) < 3:
        assert proc.poll() is None, "run ended before it could be interrupted"
        assert time.monotonic() < deadline, "no generations within 4 minutes"
        time.sleep(0.2)
    return path, cmd, env, proc


def test_killed_run_resumes_without_recomputing(tmp_path: Path) -> None:
    path, cmd, env, proc = _start_run(tmp_path, "none", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = cache_rows(tmp_path)
    assert 3 <= len(done) < 12
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    after = cache_rows(tmp_path)
    assert len(after) == 12
    assert {k: after[k] for k in done} == done, "a generation finished before the kill was recomputed"
    df = collect(tmp_path / "out")
    assert df.groupby("benchmark").item_id.nunique().to_dict() == {"xstest": 6, "strongreject": 6}
    assert len(list((tmp_path / "out" / "logs" / "smol").glob("*.eval"))) == 2, "crashed attempts are moved aside"


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_stops_says_how_far_and_resumes(tmp_path: Path, signum: int, code: int) -> None:
    path, cmd, env, proc = _start_run(tmp_path, "plain", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sent = time.monotonic()
    proc.send_signal(signum)
    output, _ = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 30, "the run must stop within seconds"
    assert proc.returncode == code, output[-2000:]
    last = output.strip().splitlines()[-1]
    assert last.startswith("interrupted after ") and last.split()[4] == "12" and "rerun" in last
    assert 3 <= int(last.split()[2]) < 12
    assert "Completed all tasks" not in output and "terminate called" not in output and "Traceback" not in output
    from stagewise.evaluate.status import study_status

    rows = study_status(load_study(path))
    assert sum(r.done for r in rows) == int(last.split()[2]), "cancelled samples are not counted as done"
    assert any(r.state != "done" for r in rows)
    if signum == signal.SIGTERM:
        done = cache_rows(tmp_path)
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
        after = cache_rows(tmp_path)
        assert len(after) == 12 and {k: after[k] for k in done} == done
        assert all(r.state == "done" for r in study_status(load_study(path)))
        logs = sorted((tmp_path / "out" / "logs" / "smol").glob("*.eval"))
        assert len(logs) == 2, "one log per task"


def test_changed_settings_on_a_finished_folder_are_refused(tmp_path: Path) -> None:
    path = study_file(tmp_path, limit=2)
    run_study(load_study(path), display="none")
    saved = (tmp_path / "out" / "study.yaml").read_text()
    from stagewise.errors import StudyError

    for override, key in [("limit=1", "limit=2, now 1"), ("benchmarks.strongreject.subset=full", "subset='small'"),
                          ("generation.max_tokens=5", "max_tokens=12, now 5")]:
        with pytest.raises(StudyError, match=key):
            run_study(load_study(path, [override]), display="none")
    assert (tmp_path / "out" / "study.yaml").read_text() == saved, "a refused run leaves study.yaml as run"
    with pytest.raises(StudyError, match="chat_template=None, now 'chatml'"):
        run_study(_with_template(path), display="none")


def _with_template(path: Path) -> object:
    path.write_text(path.read_text().replace("    model_args: {batch_size: 1}", "    model_args: {batch_size: 1}\n"
                                             "    chat_template: chatml"))
    return load_study(path)


def test_second_run_on_the_same_folder_names_the_holder(tmp_path: Path) -> None:
    from stagewise._lock import hold

    study = load_study(study_file(tmp_path))
    (tmp_path / "out").mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time; "
                               f"fd = os.open({str(tmp_path / 'out' / '.stagewise.lock')!r}, os.O_RDWR | os.O_CREAT); "
                               "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, str(os.getpid()).encode()); "
                               "print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(RunError, match=f"in use by another stagewise run \\(pid {holder.pid}\\)"):
            run_study(study, display="none")
    finally:
        holder.kill()
        holder.wait()
    with hold(tmp_path / "out"):  # a dead holder's lock is gone: no stale lock to clean up
        pass


def test_corrupt_log_is_reported_then_recomputed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    study = load_study(study_file(tmp_path, limit=2))
    out = run_study(study, display="none")
    log = next((out / "logs" / "smol").glob("*xstest*.eval"))
    log.write_bytes(log.read_bytes()[:200])  # truncated
    assert cli_main(["results", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: log") and "corrupt or truncated" in err and "\n" not in err
    run_study(study, display="none")
    assert (out / "corrupt-logs" / "smol" / log.name).is_file(), "the bad file is kept aside, not deleted"
    assert collect(out).groupby("benchmark").item_id.nunique().to_dict() == {"xstest": 2, "strongreject": 2}


def test_unbound_judge_role_is_one_line(tmp_path: Path) -> None:
    path = study_file(tmp_path, extra="")
    text = path.read_text().replace("xstest: {}", "xstest: {judge: referee}")
    path.write_text(text)
    with pytest.raises(RunError, match=r"judge role 'referee', which is not bound; add `judges: \{referee: MODEL\}`"):
        run_study(load_study(path), display="none")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "missing.yaml"], "error: study file missing.yaml not found"),
        (["run", "STUDY", "--judge", "grader"], "error: --judge 'grader' must look like ROLE=MODEL"),
        (["results", "/nonexistent"], "error: /nonexistent is not a study output dir"),
    ],
)
def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    args = [str(study_file(tmp_path)) if a == "STUDY" else a for a in args]
    assert cli_main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(message) and "\n" not in err


def test_missing_checkpoint_fails_before_any_work(tmp_path: Path) -> None:
    path = study_file(tmp_path)
    path.write_text(path.read_text().replace("packaged:smollm2-135m-instruct", f"hf:{tmp_path / 'nope'}"))
    from stagewise.errors import CheckpointError

    with pytest.raises(CheckpointError, match="does not exist"):
        run_study(load_study(path), display="none")
    assert not (tmp_path / "out" / "logs").exists()


def test_results_table_has_pairs_by_item(tmp_path: Path) -> None:
    out = run_study(load_study(study_file(tmp_path, limit=2)), display="none")
    assert cli_main(["results", str(out)]) == 0
    table = pd.read_csv(out / "results" / "summary.csv")
    assert {"estimate", "ci_low", "ci_high", "n", "n_unscored"} <= set(table.columns)
    assert (table.ci_low <= table.estimate).all() and (table.estimate <= table.ci_high).all()


@pytest.mark.timeout(600)
def test_llm_judge_serves_every_rung(tmp_path: Path) -> None:
    """A local LLM judge role scores every rung (engines are released between rungs)."""
    p = tmp_path / "two.yaml"
    p.write_text(f"""
name: two
output_dir: {tmp_path / "out"}
data_dir: {DEMO_DATA}
ladder:
  - {{name: a, stage: sft, source: "packaged:smollm2-135m-instruct"}}
  - {{name: b, stage: production, source: "packaged:smollm2-135m-instruct"}}
judges:
  grader: "packaged:smollm2-135m-instruct"
benchmarks:
  xstest: {{limit: 1}}
generation: {{max_tokens: 8}}
""")
    df = collect(run_study(load_study(p), display="none"))
    assert set(df.rung) == {"a", "b"}
    assert set(df.judge) == {"stagewise/judge-grader"}
