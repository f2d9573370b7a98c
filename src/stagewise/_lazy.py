"""PEP 562 lazy package members: `__getattr__ = lazy_members(__name__, {"name": "_module"})`."""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable


def lazy_members(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `package.<where[name]>` on first use of `name`."""

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
