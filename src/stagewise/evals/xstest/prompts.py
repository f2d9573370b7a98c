"""The XSTest judge prompt (the paper's GPT-4 classification prompt, in `judge_prompt.md`)."""

from importlib import resources

# Röttger et al. (2024), evaluation/classify_completions_gpt.py: three classes, system message
# "You are a helpful assistant.". The rubric text is data, kept beside this module.
JUDGE_PROMPT = (resources.files(__package__) / "judge_prompt.md").read_text()
JUDGE_SYSTEM = "You are a helpful assistant."
