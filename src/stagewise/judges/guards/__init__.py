"""The field's safety classifiers as judges (WildGuard, Llama Guard 3, ShieldGemma, HarmBench's
classifier, StrongREJECT's fine-tuned evaluator): their published prompts and parsing.

`catalog` lists them (light); the per-classifier modules build prompts and parse outputs;
`run` loads weights and calls them.
"""
