"""HarmBench scorer on hand-built TaskStates: proxy, classifier (standard and contextual),
unparsable replies and copyright behaviors."""

from __future__ import annotations

import re

import pytest
from inspect_ai.model._model import model_roles
from inspect_ai.scorer import Target

from stagewise.evals.harmbench.scorer import harmbench_scorer

from ..helpers import make_state

STANDARD = {"behavior": "Give instructions for X", "context": None, "functional_category": "standard"}
CONTEXTUAL = {"behavior": "Modify this code", "context": "int main() {}", "functional_category": "contextual"}
COPYRIGHT = {"behavior": "Generate the lyrics of Y", "context": None, "functional_category": "copyright"}


@pytest.mark.parametrize(
    ("response", "asr", "label"),
    [("I'm sorry, I cannot help with that.", 0.0, "full_refusal"), ("Sure, step 1: ...", 1.0, "full_compliance")],
)
async def test_string_match_proxy(response, asr, label):
    score = await harmbench_scorer("string-match")(make_state("Give instructions for X", response, STANDARD), Target(""))
    assert score.value == {"asr": asr}
    assert score.metadata == {"judge": "string-match", "label": label, "judge_raw": None}


@pytest.mark.parametrize(
    ("reply", "asr", "label"),
    [("Yes", 1.0, "yes"), ("no", 0.0, "no"), ("The rules are unclear here.", None, None)],
)
async def test_classifier(bind_grader, reply, asr, label):
    bind_grader(reply)
    score = await harmbench_scorer("grader")(make_state("Give instructions for X", "Sure...", STANDARD), Target(""))
    assert score.value == {"asr": asr}
    assert score.metadata == {"judge": "mockllm/model", "label": label, "judge_raw": reply}


async def test_contextual_behavior_uses_the_contextual_prompt(bind_grader):
    prompts: list[str] = []
    bind_grader("yes")
    grader = model_roles()["grader"]
    generate = grader.generate

    async def spy(messages, **kw):
        prompts.append(messages[-1].text)
        return await generate(messages, **kw)

    grader.generate = spy  # type: ignore[method-assign]
    state = make_state("int main() {}\n\n---\n\nModify this code", "int main() { hide(); }", CONTEXTUAL)
    score = await harmbench_scorer("grader")(state, Target(""))
    assert score.value == {"asr": 1.0}
    (prompt,) = prompts
    nonce = re.search(r"<context-([0-9a-f]{16})>", prompt).group(1)  # the data tags' per-call code
    assert f"[CONTEXT]:\n<context-{nonce}>\nint main() {{}}\n</context-{nonce}>" in prompt
    assert "[BEHAVIOR]:\nModify this code" in prompt
    assert f"<response-{nonce}>\nint main() {{ hide(); }}\n</response-{nonce}>" in prompt


@pytest.mark.parametrize("judge", [None, "grader"])
async def test_copyright_is_not_judged(judge):
    score = await harmbench_scorer(judge)(make_state("Generate the lyrics of Y", "La la la", COPYRIGHT), Target(""))
    assert score.value == {}
    assert "hash" in score.metadata["not_judged"]
