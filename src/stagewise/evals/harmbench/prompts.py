"""HarmBench judge prompts: the official classifier prompts (standard and contextual), kept
as data files beside this module, without the Llama-2 `[INST] <<SYS>>` wrapper (chat models
get them as a plain user message)."""

from importlib import resources

_HERE = resources.files(__package__)
JUDGE_PROMPT = (_HERE / "judge_prompt.md").read_text()
JUDGE_PROMPT_CONTEXTUAL = (_HERE / "judge_prompt_contextual.md").read_text()
# How HarmBench's DirectRequest baseline joins a contextual behavior's context to the request.
CONTEXT_SEPARATOR = "\n\n---\n\n"
