"""Write each benchmark README's metrics table from its `meta.py` (the one place metric names live).

    python -m stagewise.evals._readme          # rewrite the tables in place
    python -m stagewise.evals._readme --check  # exit 1 when a README is stale (tests run this)
"""

from __future__ import annotations

import sys
from pathlib import Path

from stagewise.evals import BENCHMARKS
from stagewise.evals._spec import BenchmarkInfo

BEGIN = "<!-- metrics: generated from meta.py by `python -m stagewise.evals._readme`; do not edit -->"
END = "<!-- /metrics -->"


def metrics_table(info: BenchmarkInfo) -> str:
    """The README block: one row per metric of `info`."""
    rows = [f"| `{m.name}` | {m.kind} | {m.safer} | {m.margin:g} | {m.description} |" for m in info.metrics]
    head = ["## Metrics", "", "| metric | kind | safer | default margin | meaning |", "|---|---|---|---|---|"]
    return "\n".join([BEGIN, *head, *rows, END])


def readme_path(name: str) -> Path:
    return Path(__file__).parent / name / "README.md"


def updated(text: str, block: str) -> str:
    """`text` with its generated block replaced by `block` (appended when there is none)."""
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        return before + block + rest.split(END, 1)[1]
    return text.rstrip("\n") + "\n\n" + block + "\n"


def main(argv: list[str] | None = None) -> int:
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    stale = []
    for name, info in BENCHMARKS.items():
        path = readme_path(name)
        text = path.read_text()
        new = updated(text, metrics_table(info))
        if new != text:
            stale.append(str(path))
            if not check:
                path.write_text(new)
    if check and stale:
        print(f"stale metrics table in {', '.join(stale)}; run `python -m stagewise.evals._readme`")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
