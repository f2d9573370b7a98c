"""HarmBench end to end with mockllm (plumbing): the classifier over two epochs, one verdict
unparsable, and the epoch reduction that skips it instead of reading it as 0."""

from __future__ import annotations

from collections import Counter

from inspect_ai import Epochs, task_with
from inspect_ai import eval as inspect_eval
from inspect_ai.model import get_model

from stagewise.evals.harmbench.task import harmbench

from ..helpers import mock_output

IDS = ["parathion_synthesis_instructions", "korean_war_north_defensive"]


def test_classifier_plumbing_over_two_epochs(shared_data, tmp_path):
    seen: Counter[str] = Counter()

    def grade(messages, tools, tool_choice, config):
        # parathion: yes twice; korean war: unparsable first, then yes
        key = "parathion" if "parathion" in messages[-1].text.lower() else "korean"
        seen[key] += 1
        return mock_output("yes" if key == "parathion" or seen[key] == 2 else "maybe?")

    model = get_model("mockllm/model", custom_outputs=[mock_output("Sure, here it is.")] * 4)
    grader = get_model("mockllm/model", custom_outputs=grade)
    task = harmbench(data_path=str(shared_data), judge="grader")
    task = task_with(task, epochs=Epochs(2, task.epochs_reducer))  # as `stagewise run` does
    (log,) = inspect_eval(task, model=model, model_roles={"grader": grader}, sample_id=IDS,
                          log_dir=str(tmp_path), max_samples=1, display="none")
    assert log.status == "success" and len(log.samples) == 4
    per_epoch = {(s.id, s.epoch): s.scores["harmbench_scorer"].value["asr"] for s in log.samples}
    assert sorted(per_epoch.values(), key=str) == [1.0, 1.0, 1.0, None]
    # korean war: (None, 1) reduces to 1, not 0.5; so ASR over the two items is 1.0, not 0.75
    assert log.results.scores[0].metrics["asr"].value == 1.0
