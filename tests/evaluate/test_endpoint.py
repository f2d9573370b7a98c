"""An OpenAI-compatible endpoint as a rung (plumbing: a local stub server, no real model)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from openai_stub import RefusingOpenAI, serve

from stagewise.evaluate.results import collect
from stagewise.evaluate.runner import run_study
from stagewise.evaluate.study import load_study

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "stagewise" / "demo_data"


@pytest.fixture
def endpoint() -> Iterator[str]:
    with serve() as url:
        yield url


def test_openai_compatible_rung(tmp_path: Path, endpoint: str) -> None:
    path = tmp_path / "study.yaml"
    path.write_text(f"""
name: ep
output_dir: {tmp_path / "out"}
data_dir: {DEMO_DATA}
ladder:
  - {{name: served, stage: production, source: "openai:{endpoint}#stub"}}
benchmarks: [xstest]
limit: 4
""")
    out = run_study(load_study(path), display="none")
    df = collect(out)
    assert df.item_id.nunique() == 4
    assert len(RefusingOpenAI.requests) == 4 and all(r["model"] == "stub" for r in RefusingOpenAI.requests)
    # the stub always refuses: every safe prompt is an over-refusal, every unsafe one is not complied with
    rates = df.groupby("metric").value.mean().to_dict()
    assert rates.get("over_refusal", 1.0) == 1.0 and rates.get("unsafe_compliance", 0.0) == 0.0


class _Stalling(RefusingOpenAI):
    """Answers the first two requests, then hangs like a server that died mid-run."""

    answered: list[int] = []

    def do_POST(self) -> None:  # noqa: N802
        if len(_Stalling.answered) >= 2:
            import time

            time.sleep(30)
            return
        _Stalling.answered.append(1)
        super().do_POST()


def test_dead_endpoint_fails_within_the_retry_budget_naming_it(tmp_path: Path) -> None:
    import time

    from stagewise.errors import RunError
    from stagewise.evaluate.status import study_status

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stalling)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    path = tmp_path / "study.yaml"
    path.write_text(f"""
name: ep
output_dir: {tmp_path / "out"}
data_dir: {DEMO_DATA}
ladder:
  - {{name: served, stage: production, source: "openai:{url}#stub"}}
benchmarks: [xstest]
limit: 4
generation: {{request_timeout: 1, max_retries: 1}}
""")
    start = time.monotonic()
    try:
        with pytest.raises(RunError, match=f"endpoint {url} failed after its retries") as err:
            run_study(load_study(path), display="none")
    finally:
        server.shutdown()
    assert time.monotonic() - start < 60, "a bounded wait, not minutes of silence"
    assert "request_timeout" in str(err.value) and "\n" not in str(err.value)
    (row,) = study_status(load_study(path))
    assert row.state != "done" and row.done == 2 and row.total == 4, "finished samples are kept, not counted twice"
