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


def lazy_attributes(module_name: str, where: Mapping[str, str | tuple[str, str | None]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports each name from the module ``where`` gives.

    Args:
        module_name: The module being served (its ``__name__``); found names are cached there.
        where: Name -> module path, or name -> (module path, attribute name) when they differ,
            or name -> (module path, None) for the module itself.
    """

    def __getattr__(name: str) -> Any:
        target = where.get(name)
        if target is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        path, attr = (target, name) if isinstance(target, str) else target
        module = import_module(path)
        value = module if attr is None else getattr(module, attr)
        setattr(sys.modules[module_name], name, value)
        return value

    return __getattr__


def callable_package(module_name: str, function: Callable[..., Any]) -> None:
    """Make the package ``module_name`` callable as ``function``.

    ``carbonest.estimate`` and ``carbonest.whatif`` are public functions and also the
    subpackages that implement them. The package face exports the (callable) package itself,
    not the bare function: then ``carbonest.estimate(...)`` works, and so does
    ``import carbonest.estimate.power as p`` whichever was touched first (with the bare function
    bound to ``carbonest.estimate``, that import statement fails). ``__wrapped__`` points at the
    function, so ``inspect.signature(carbonest.estimate)`` shows its parameters.
    """

    class _CallablePackage(types.ModuleType):
        __doc__ = sys.modules[module_name].__doc__

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

    package = sys.modules[module_name]
    package.__class__ = _CallablePackage
    package.__wrapped__ = function  # type: ignore[attr-defined]
