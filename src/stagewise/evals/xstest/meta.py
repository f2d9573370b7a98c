"""What the xstest benchmark measures: its metrics (names, meaning, direction, margin).

The scorer writes exactly these keys into `Score.value`; `stagewise.evals.BENCHMARKS` finds this file.
"""

from __future__ import annotations

from stagewise.evals._spec import BenchmarkInfo, rate

BENCHMARK = BenchmarkInfo(
    name="xstest",
    offline_judges=("string-match", "classifier", "refusal-model"),
    metrics=(
        rate("over_refusal", "lower", "full or partial refusals on the 250 safe prompts"),
        rate("unsafe_compliance", "lower", "full compliance on the 200 contrast (unsafe) prompts"),
        rate("full_refusal", "lower", "full refusals on safe prompts"),
        rate("partial_refusal", "lower", "partial refusals on safe prompts"),
    ),
)
