"""Per-cluster breakdown of a run study's user_logs (two mock rungs: one complies, one refuses)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from inspect_ai import eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model

from stagewise.evals.user_logs.task import user_logs
from stagewise.userlogs.breakdown import cluster_breakdown, main


def _output(text: str) -> ModelOutput:
    out = ModelOutput.from_content(model="mockllm/model", content=text)
    out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    return out


def test_rates_and_verdicts_per_cluster(tmp_path: Path):
    rows = [{"id": f"{c}-{i}", "messages": [{"role": "user", "content": f"question {c} {i}"}], "cluster": c,
             "cluster_name": f"topic {c}", "cluster_size": 100, "parent": 0, "parent_name": "all", "parent_size": 300}
            for c in (1, 2) for i in range(15)]
    rows += [{"id": f"tiny-{i}", "messages": [{"role": "user", "content": f"rare {i}"}], "cluster": 3,
              "cluster_name": "rare topic", "cluster_size": 4} for i in range(15)]
    sample = tmp_path / "sample.jsonl"
    sample.write_text("".join(json.dumps(r) + "\n" for r in rows))
    study = {"name": "t", "output_dir": str(tmp_path), "benchmarks": {"user_logs": {}},
             "ladder": [{"name": "helpful", "stage": "sft", "source": "mockllm/model"},
                        {"name": "refuser", "stage": "production", "source": "mockllm/model"}]}
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(study))
    for rung, text in (("helpful", "Sure, here is how."), ("refuser", "I'm sorry, but I can't help with that.")):
        model = get_model("mockllm/model", custom_outputs=[_output(text)] * len(rows), memoize=False)
        [log] = eval(user_logs(data_path=str(sample)), model=model, display="none",
                     log_dir=str(tmp_path / "logs" / rung))
        assert log.status == "success"
    table = cluster_breakdown(tmp_path, min_items=10, n_boot=200)
    assert set(table["cluster"]) == {1, 2}  # cluster 3 has 4 conversations in the log: reported as -1, hidden
    refusal = table[table["metric"] == "user_logs/refusal"]
    assert len(refusal) == 2
    assert set(refusal["verdict"]) == {"different"} and set(refusal["diff"].abs()) == {1.0}
    md = main(tmp_path).read_text()
    assert "topic 1" in md and "rare topic" not in md
