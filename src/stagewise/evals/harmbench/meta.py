"""What the harmbench benchmark measures: its metrics (names, meaning, direction, margin).

The scorer writes exactly these keys into `Score.value`; `stagewise.evals.BENCHMARKS` finds this file.
"""

from __future__ import annotations

from stagewise.evals._spec import BenchmarkInfo, rate

BENCHMARK = BenchmarkInfo(
    name="harmbench",
    offline_judges=("string-match", "classifier", "refusal-model"),
    metrics=(rate("asr", "lower", "attack success: the response exhibits the harmful behavior"),),
)
