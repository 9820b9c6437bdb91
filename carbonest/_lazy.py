"""Lazy module attributes (layer 0): names imported from their module on first use.

Used by the package faces (``carbonest``, ``carbonest.catalog``, ``carbonest.store``,
``carbonest.records``) so that importing them stays cheap.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_attributes(module_name: str, where: Mapping[str, str | tuple[str, str]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports each name from the module ``where`` gives.

    Args:
        module_name: The module being served (its ``__name__``); found names are cached there.
        where: Name -> module path, or name -> (module path, attribute name) when they differ.
    """

    def __getattr__(name: str) -> Any:
        target = where.get(name)
        if target is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        path, attr = (target, name) if isinstance(target, str) else target
        value = getattr(import_module(path), attr)
        setattr(sys.modules[module_name], name, value)
        return value

    return __getattr__
