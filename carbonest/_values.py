"""Value classes that cost next to nothing to define (layer 0).

``@dataclass(frozen=True)`` writes ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__`` and ``__delattr__`` as source text and compiles each with ``exec`` when the
class is defined: 1.5-2.5 ms per class on the development machine, in every process,
bytecode cache or not. The ~20 value types on the tracker's start path cost 20 ms that way,
more than the rest of a first ``start()`` .. ``stop()``.

So those classes are declared as::

    @dataclass(init=False, repr=False, eq=False, slots=True)
    class Sample(FrozenValue):
        timestamp_s: float
        ...
        def __init__(self, timestamp_s: float, ...) -> None:  # written out, compiled into the .pyc
            object.__setattr__(self, "timestamp_s", timestamp_s)

``dataclass`` still records the fields (0.1-0.2 ms), so :func:`dataclasses.fields`,
:func:`~dataclasses.asdict`, :func:`~dataclasses.replace` and ``is_dataclass`` work as before;
the methods it would have generated come from :class:`Value` and :class:`FrozenValue`, which
behave as the generated ones do: the repr lists the fields with ``repr=True`` in order, ``==``
compares the fields with ``compare=True`` between instances of the same class only, a frozen
value is hashable by the same fields and refuses assignment with
:class:`dataclasses.FrozenInstanceError`. ``tests/test_values.py`` holds every such class to
that, and each written-out ``__init__`` to its fields (names, order, defaults).
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from typing import Any

__all__ = ["FrozenValue", "Value"]

_NAMES: dict[type, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}


def _names(cls: type) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The field names a class shows in its repr, compares, and hashes (cached per class)."""
    names = _NAMES.get(cls)
    if names is None:
        found = fields(cls)  # type: ignore[arg-type]  # every subclass is a dataclass
        names = _NAMES[cls] = (
            tuple(f.name for f in found if f.repr),
            tuple(f.name for f in found if f.compare),
            tuple(f.name for f in found if (f.compare if f.hash is None else f.hash)),
        )
    return names


class Value:
    """Base of a mutable value class: dataclass's ``__repr__`` and ``__eq__``; unhashable."""

    __slots__ = ()

    def __repr__(self) -> str:
        shown = _names(type(self))[0]
        return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in shown)})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        compared = _names(self.__class__)[1]
        return tuple(getattr(self, n) for n in compared) == tuple(getattr(other, n) for n in compared)

    __hash__ = None  # type: ignore[assignment]  # as dataclass(eq=True) leaves a mutable class


class FrozenValue(Value):
    """Base of a frozen value class: as :class:`Value`, plus hashing and no assignment."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in _names(self.__class__)[2]))

    # copy, deepcopy and pickle restore through these (the default would call __setattr__)
    def __getstate__(self) -> list[Any]:
        return [getattr(self, f.name) for f in fields(self)]  # type: ignore[arg-type]

    def __setstate__(self, state: list[Any]) -> None:
        for f, value in zip(fields(self), state):  # type: ignore[arg-type]
            object.__setattr__(self, f.name, value)
