"""Local generation for Inspect: the `stagewise/<name>` model API (`stagewise.providers.local`),
its engines (HF, vLLM) and the generation cache keyed by checkpoint content.

What other packages use is named here; names are imported on first use (PEP 562), so importing
`stagewise.providers` loads neither Inspect nor torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stagewise._lazy import lazy_members

if TYPE_CHECKING:
    from stagewise.providers._cache import GenerationCache
    from stagewise.providers._engine import release_engines
    from stagewise.providers.local import lazy_engines

__all__ = ["GenerationCache", "lazy_engines", "release_engines"]

__getattr__ = lazy_members(__name__, {"GenerationCache": "_cache", "release_engines": "_engine",
                                      "lazy_engines": "local"})
