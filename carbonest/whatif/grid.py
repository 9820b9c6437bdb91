"""The scenario grid: one axis per swept input, rows in C order, no Python loop per row.

Every swept input is an axis of the grid. A value that depends on one axis (a
GPU's TDP, a region's intensity) is an array over that axis reshaped to
broadcast along it; a value that depends on several is computed by numpy
broadcasting; only at the end is each column flattened to one entry per
scenario. String columns become pandas categoricals built from integer codes,
so a million rows of region names cost one small integer array.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from carbonest._values import FrozenValue
from carbonest.whatif.backend import xp

if TYPE_CHECKING:
    import numpy as np


@dataclass(init=False, repr=False, eq=False)
class Axis(FrozenValue):
    """One swept input.

    Attributes:
        name: The parameter name (``"gpu"``, ``"hours"``...), also the column name.
        values: The values as given (numbers as a float array; names as a tuple of str).
        labels: For named axes, the canonical name of each value (``"A100 SXM4 40GB"``), else None.
    """

    name: str
    values: Any
    labels: tuple[str, ...] | None = None

    def __init__(
        self, name: str, values: Any, labels: tuple[str, ...] | None = None,
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "labels", labels)

    def __len__(self) -> int:
        return len(self.values)


class Grid:
    """The cartesian product of a list of axes, flattened in C (row-major) order."""

    def __init__(self, axes: Sequence[Axis], *, frame: bool = True) -> None:
        self.frame = frame
        """String columns as pandas categoricals (True) or as lists of str (False: no pandas)."""
        self.axes = list(axes)
        self.position = {a.name: i for i, a in enumerate(self.axes)}
        self.shape = tuple(len(a) for a in self.axes)
        self.size = math.prod(self.shape)

    def __contains__(self, name: str) -> bool:
        return name in self.position

    def axis(self, name: str) -> Axis:
        """The axis called ``name``."""
        return self.axes[self.position[name]]

    def along(self, name: str, values: Any) -> np.ndarray:
        """An array over axis ``name`` reshaped to broadcast along it (ndim = the grid's)."""
        np = xp()

        arr = np.asarray(values)
        shape = [1] * len(self.shape)
        shape[self.position[name]] = arr.shape[0]
        return arr.reshape(shape)

    def over(self, names: Sequence[str], table: Any) -> np.ndarray:
        """A table indexed by several axes (dims in the order of ``names``), broadcastable over the grid."""
        np = xp()

        arr = np.asarray(table)
        order = sorted(range(len(names)), key=lambda i: self.position[names[i]])
        arr = arr.transpose(order)
        shape = [1] * len(self.shape)
        for i in order:
            shape[self.position[names[i]]] = np.shape(table)[i]
        return arr.reshape(shape)

    def values(self, name: str) -> np.ndarray:
        """The axis' own values, broadcastable over the grid."""
        return self.along(name, self.axis(name).values)

    def flat(self, value: Any, keep: tuple[slice, ...] | None = None, dtype: Any = None) -> np.ndarray:
        """One entry per scenario: ``value`` broadcast to the grid and flattened.

        ``keep`` slices the grid first (used to drop the appended baseline region).
        """
        np = xp()

        arr = np.asarray(value, dtype=dtype or np.float64)
        if arr.ndim < len(self.shape):
            arr = arr.reshape((1,) * (len(self.shape) - arr.ndim) + arr.shape)
        full = np.broadcast_to(arr, self.shape)
        if keep is not None:
            full = full[keep]
        return np.ascontiguousarray(full).reshape(-1)

    def codes(self, name: str, keep: tuple[slice, ...] | None = None) -> np.ndarray:
        """For each scenario, the index of its value on axis ``name``."""
        np = xp()

        n = self.shape[self.position[name]]
        dtype = np.int8 if n < 128 else np.int32
        return self.flat(self.along(name, np.arange(n, dtype=dtype)), keep, dtype)

    def categorical(self, codes: Any, categories: Sequence[str]) -> Any:
        """A string column from per-scenario codes into a short list of categories."""
        np = xp()

        unique = list(dict.fromkeys(categories))
        if not self.frame:
            return [categories[i] for i in np.asarray(codes).tolist()]
        import pandas as pd

        remap = np.array([unique.index(c) for c in categories], dtype=np.int32)
        return pd.Categorical.from_codes(remap[codes], categories=pd.Index(unique))

    def label_column(self, name: str | None, labels: Sequence[str], keep: tuple[slice, ...] | None = None) -> Any:
        """A string column whose value depends on axis ``name`` only (or is one constant label)."""
        np = xp()

        if name is None:
            size = self.size_kept(keep)
            return self.categorical(np.zeros(size, dtype=np.int8), [labels[0]])
        return self.categorical(self.codes(name, keep), labels)

    def size_kept(self, keep: tuple[slice, ...] | None) -> int:
        """Rows left after slicing with ``keep``."""
        if keep is None:
            return self.size
        return math.prod(len(range(*s.indices(n))) for s, n in zip(keep, self.shape))
