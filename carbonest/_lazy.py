"""Lazy module attributes (layer 0): names imported from their module on first use.

Used by the package faces (``carbonest``, ``carbonest.catalog``, ``carbonest.store``,
``carbonest.records``) so that importing them stays cheap; and :func:`callable_package`
for the subpackages that share their name with a public function.
"""

from __future__ import annotations

import sys
import types
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


def callable_package(module_name: str, function: Callable[..., Any]) -> None:
    """Make the package ``module_name`` callable as ``function``.

    ``carbonest.estimate`` and ``carbonest.whatif`` are public functions and also the
    subpackages that implement them. Importing such a subpackage binds the parent's
    attribute to the module object, which would shadow the function that
    ``carbonest.__getattr__`` exports; a callable module keeps ``carbonest.estimate(...)``
    working whichever was imported first.
    """

    class _CallablePackage(types.ModuleType):
        __doc__ = sys.modules[module_name].__doc__

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

    sys.modules[module_name].__class__ = _CallablePackage
