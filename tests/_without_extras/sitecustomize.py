"""Put this folder first on PYTHONPATH to run Python as if only the light core were installed:
importing torch, transformers, accelerate, gguf or another extra's module fails as if absent
(`tests/test_light_core.py`). STAGEWISE_BLOCK_EXTRA (comma-separated) replaces the list."""

from __future__ import annotations

import importlib.abc
import os
import sys

BLOCKED = frozenset(os.environ.get("STAGEWISE_BLOCK_EXTRA", "").split(",") if os.environ.get("STAGEWISE_BLOCK_EXTRA")
                    else ("torch", "transformers", "accelerate", "gguf", "trl", "peft", "datasets",
                          "sentence_transformers", "sklearn", "matplotlib"))


class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _Blocker())
