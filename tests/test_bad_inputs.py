"""Every bad input through the real command line: one `error:` line, exit 2, never a traceback,
and (where the study file shows the problem) no model loaded and nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

DEMO_DATA = Path(__file__).resolve().parents[1] / "src" / "stagewise" / "demo_data"


def _study(tmp: Path, *, source: str = "packaged:smollm2-135m-instruct", rung: str = "", bench: str = "xstest: {}", top: str = "", data: Path = DEMO_DATA) -> Path:
    p = tmp / "study.yaml"
    p.write_text(f"""
name: bad
output_dir: {tmp / "out"}
data_dir: {data}
ladder:
  - name: smol
    stage: production
    source: {source}
{rung}
benchmarks:
  {bench}
limit: 2
{top}
""")
    return p


def _data(tmp: Path, content: bytes) -> Path:
    root = tmp / "data"
    (root / "xstest").mkdir(parents=True)
    (root / "xstest" / "xstest_prompts.csv").write_bytes(content)
    return root


def _tiny_hf(tmp: Path) -> Path:
    d = tmp / "cut-model"
    d.mkdir()
    (d / "config.json").write_text('{"model_type": "llama"}')
    header = b'{"w": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}'
    (d / "model.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 100)
    return d


def _train(tmp: Path, rows: bytes) -> list[str]:
    from stagewise.checkpoints import materialize
    from stagewise.evaluate.study import PackagedSource

    (tmp / "rows.jsonl").write_bytes(rows)
    cfg = tmp / "sft.yaml"
    cfg.write_text(f"""stage: sft
base: hf:{materialize(PackagedSource(name="smollm2-135m-instruct"))}
chat_template: chatml
output_dir: {tmp / "rung"}
mixture: {{sources: [{{path: {tmp / "rows.jsonl"}}}]}}
trl: {{max_steps: 1}}
""")
    return ["train", "sft", str(cfg)]


Case = Callable[[Path], list[str]]
CASES: dict[str, tuple[Case, str]] = {
    "missing study": (lambda t: ["run", str(t / "nope.yaml")], "not found"),
    "not yaml": (lambda t: (t.joinpath("s.yaml").write_text("a: [\n"), ["run", str(t / "s.yaml")])[1], "s.yaml"),
    "limit 0": (lambda t: ["run", str(_study(t)), "--limit", "0"], "greater than 0"),
    "negative benchmark limit": (lambda t: ["run", str(_study(t, bench="xstest: {limit: -3}"))], "whole number >= 1"),
    "option typo": (lambda t: ["run", str(_study(t, bench="xstest: {limt: 3}"))], "did you mean 'limit'"),
    "broken jinja": (lambda t: (t.joinpath("b.jinja").write_text("{% for m in messages %}{{ m }"),
                                ["run", str(_study(t, rung=f"    chat_template: {t / 'b.jinja'}"))])[1],
                     "Jinja syntax error on line 1"),
    "foreign turn markers": (lambda t: ["run", str(_study(t, rung="    chat_template: gemma"))],
                             "not special tokens of the tokenizer"),
    "truncated safetensors": (lambda t: ["run", str(_study(t, source=f"hf:{_tiny_hf(t)}"))], "truncated or damaged"),
    "non-UTF-8 data": (lambda t: ["run", str(_study(t, data=_data(t, b"id,prompt,type,label,focus,note\n1,caf\xe9,a,b,c,d\n")))],
                       "not UTF-8 text"),
    "header-only data": (lambda t: ["run", str(_study(t, data=_data(t, b"id,prompt,type,label,focus,note\n")))],
                         "header but no rows"),
    "output dir is a file": (lambda t: (t.joinpath("taken").write_text("x"),
                                        ["run", str(_study(t, top=f"output_dir: {t / 'taken' / 'out'}"))])[1],
                             "cannot write or read"),
    "unknown rung": (lambda t: ["run", str(_study(t)), "--rung", "nope"], "no rung named 'nope'"),
    "results of nothing": (lambda t: ["results", str(t)], "not a study output dir"),
    "non-UTF-8 training rows": (lambda t: _train(t, b'{"messages": [{"role": "user", "content": "caf\xe9"}]}\n'),
                                "not UTF-8 text"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_without_traceback(tmp_path: Path, name: str) -> None:
    make, expected = CASES[name]
    args = make(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    proc = subprocess.run([sys.executable, "-m", "stagewise.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300, cwd=tmp_path)
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output[-3000:]
    assert proc.returncode == 2, output[-3000:]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0], output[-3000:]
    assert not (tmp_path / "out" / "logs").exists(), "nothing ran"
