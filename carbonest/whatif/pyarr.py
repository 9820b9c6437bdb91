"""The few numpy operations the what-if engine uses, on plain Python lists (no numpy import).

A sweep the CLI prints (up to :data:`MAX_PLAIN_ROWS` scenarios) runs on this module instead of
numpy, so ``carbonest whatif`` starts without importing numpy or pandas. It is the same engine:
:func:`carbonest.whatif.backend.xp` hands each engine module either numpy or this module, and
the same formulas run in the same order on IEEE doubles, so the numbers are identical to the
last bit (tested against the vectorised path).

Only what the engine calls is here: n-dimensional arrays in C order with broadcasting of the
arithmetic and comparison operators, ``reshape``/``transpose``, slicing, and a handful of
functions. Anything else raises ``AttributeError``, which a test would show.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

MAX_PLAIN_ROWS = 10_000
"""The largest sweep run on plain Python; a larger one uses numpy (faster past this size)."""

nan = math.nan


class _DType:
    __slots__ = ("kind", "name")

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name

    def __repr__(self) -> str:
        return self.name


float64 = _DType("f", "float64")
int64 = _DType("i", "int64")
int32 = _DType("i", "int32")
int8 = _DType("i", "int8")
bool_ = _DType("b", "bool")


def _dtype(dtype: Any) -> _DType | None:
    """A dtype given as an object of this module or by numpy's name (``"int64"``)."""
    if dtype is None or isinstance(dtype, _DType):
        return dtype
    return {"float64": float64, "int64": int64, "int32": int32, "int8": int8, "bool": bool_}[str(dtype)]


def _kind_of(values: Sequence[Any]) -> _DType:
    if all(isinstance(v, bool) for v in values) and values:
        return bool_
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values) and values:
        return int64
    return float64


def _cast(values: list[Any], dtype: _DType) -> list[Any]:
    if dtype.kind == "f":
        return [float(v) for v in values]
    if dtype.kind == "i":
        return [int(v) for v in values]
    return [bool(v) for v in values]


def _size(shape: tuple[int, ...]) -> int:
    return math.prod(shape)


class ndarray:  # noqa: N801  (numpy's name, so isinstance checks read the same)
    """An n-dimensional array of Python numbers, flat in C order."""

    __slots__ = ("data", "shape", "dtype")

    def __init__(self, data: list[Any], shape: tuple[int, ...], dtype: _DType | None = None) -> None:
        self.data = data
        self.shape = shape
        self.dtype = dtype or _kind_of(data)

    # -- shape ---------------------------------------------------------------------------------

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return len(self.data)

    def __len__(self) -> int:
        return self.shape[0]

    def reshape(self, *shape: Any) -> ndarray:
        dims = list(shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)
        if -1 in dims:
            known = math.prod(d for d in dims if d != -1)
            dims[dims.index(-1)] = len(self.data) // known if known else 0
        if _size(tuple(dims)) != len(self.data):
            raise ValueError(f"cannot reshape {self.shape} into {tuple(dims)}")
        return ndarray(self.data, tuple(dims), self.dtype)

    def transpose(self, order: Sequence[int]) -> ndarray:
        order = list(order)
        if order == list(range(self.ndim)):
            return self
        shape = tuple(self.shape[i] for i in order)
        strides = _strides(self.shape)
        moved = [strides[i] for i in order]
        data = [self.data[sum(i * s for i, s in zip(idx, moved))] for idx in _indices(shape)]
        return ndarray(data, shape, self.dtype)

    def astype(self, dtype: Any) -> ndarray:
        kind = _dtype(dtype) or float64
        return ndarray(_cast(self.data, kind), self.shape, kind)

    def tolist(self) -> list[Any]:
        if self.ndim != 1:
            raise ValueError("tolist() of a plain array is for 1-D arrays")
        return list(self.data)

    def any(self) -> bool:
        return any(self.data)

    def __iter__(self) -> Iterator[Any]:
        if self.ndim != 1:
            raise TypeError("iterating a plain array is for 1-D arrays")
        return iter(self.data)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, ndarray):
            key = key.data
        if isinstance(key, list):  # gather rows of a 1-D array
            return ndarray([self.data[i] for i in key], (len(key),), self.dtype)
        if isinstance(key, slice) and self.ndim == 1:
            data = self.data[key]
            return ndarray(data, (len(data),), self.dtype)
        if isinstance(key, int) and self.ndim == 1:
            return self.data[key]
        if isinstance(key, tuple) and all(isinstance(k, slice) for k in key):
            ranges = [range(*k.indices(n)) for k, n in zip(key, self.shape)]
            ranges += [range(n) for n in self.shape[len(ranges):]]
            strides = _strides(self.shape)
            shape = tuple(len(r) for r in ranges)
            data = [self.data[sum(i * s for i, s in zip(idx, strides))] for idx in _product(ranges)]
            return ndarray(data, shape, self.dtype)
        raise TypeError(f"unsupported index {key!r} on a plain array")

    # -- arithmetic ----------------------------------------------------------------------------

    def _binary(self, other: Any, op: Any, reflected: bool = False, dtype: _DType | None = None) -> ndarray:
        a, b, shape = _operands(self, other)
        if reflected:
            a, b = b, a
        if isinstance(b, list) and isinstance(a, list):
            data = [op(x, y) for x, y in zip(a, b)]
        elif isinstance(a, list):
            data = [op(x, b) for x in a]
        else:
            data = [op(a, y) for y in b]
        return ndarray(data, shape, dtype)

    def __add__(self, o: Any) -> ndarray: return self._binary(o, _add)
    def __radd__(self, o: Any) -> ndarray: return self._binary(o, _add, True)
    def __sub__(self, o: Any) -> ndarray: return self._binary(o, _sub)
    def __rsub__(self, o: Any) -> ndarray: return self._binary(o, _sub, True)
    def __mul__(self, o: Any) -> ndarray: return self._binary(o, _mul)
    def __rmul__(self, o: Any) -> ndarray: return self._binary(o, _mul, True)
    def __truediv__(self, o: Any) -> ndarray: return self._binary(o, _div, dtype=float64)
    def __rtruediv__(self, o: Any) -> ndarray: return self._binary(o, _div, True, float64)
    def __lt__(self, o: Any) -> ndarray: return self._binary(o, _lt, dtype=bool_)
    def __le__(self, o: Any) -> ndarray: return self._binary(o, _le, dtype=bool_)
    def __gt__(self, o: Any) -> ndarray: return self._binary(o, _gt, dtype=bool_)
    def __ge__(self, o: Any) -> ndarray: return self._binary(o, _ge, dtype=bool_)
    def __eq__(self, o: Any) -> ndarray: return self._binary(o, _eq, dtype=bool_)  # type: ignore[override]
    def __ne__(self, o: Any) -> ndarray: return self._binary(o, _ne, dtype=bool_)  # type: ignore[override]
    def __or__(self, o: Any) -> ndarray: return self._binary(o, _or, dtype=bool_)
    def __and__(self, o: Any) -> ndarray: return self._binary(o, _and, dtype=bool_)

    def __neg__(self) -> ndarray:
        return ndarray([-x for x in self.data], self.shape, self.dtype)

    def __invert__(self) -> ndarray:
        return ndarray([not x for x in self.data], self.shape, bool_)

    __hash__ = None  # type: ignore[assignment]


def _div(x: float, y: float) -> float:
    """IEEE division, as numpy's: x/0 is inf (or nan for 0/0), never an exception."""
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0 or x != x:
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)


def _add(x: Any, y: Any) -> Any: return x + y
def _sub(x: Any, y: Any) -> Any: return x - y
def _mul(x: Any, y: Any) -> Any: return x * y
def _lt(x: Any, y: Any) -> bool: return bool(x < y)
def _le(x: Any, y: Any) -> bool: return bool(x <= y)
def _gt(x: Any, y: Any) -> bool: return bool(x > y)
def _ge(x: Any, y: Any) -> bool: return bool(x >= y)
def _eq(x: Any, y: Any) -> bool: return bool(x == y)
def _ne(x: Any, y: Any) -> bool: return bool(x != y)
def _or(x: Any, y: Any) -> bool: return bool(x or y)
def _and(x: Any, y: Any) -> bool: return bool(x and y)


def _strides(shape: tuple[int, ...]) -> list[int]:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return strides[::-1]


def _product(ranges: Sequence[range]) -> Iterator[tuple[int, ...]]:
    import itertools

    return itertools.product(*ranges)


def _indices(shape: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    return _product([range(n) for n in shape])


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape the arrays broadcast to (numpy's rules)."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for dims in zip(*((1,) * (ndim - len(s)) + tuple(s) for s in shapes)):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            raise ValueError(f"shapes {shapes} do not broadcast")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _expand(arr: ndarray, shape: tuple[int, ...]) -> list[Any]:
    """``arr``'s data broadcast to ``shape``, flat in C order (list repetition, no index loop)."""
    if arr.shape == shape:
        return arr.data
    src = (1,) * (len(shape) - arr.ndim) + arr.shape
    data = arr.data
    for k in range(len(shape) - 1, -1, -1):
        if src[k] == shape[k]:
            continue
        block = _size(shape[k + 1:])
        n = shape[k]
        if block == 1:
            data = [x for x in data for _ in range(n)]
        else:
            out: list[Any] = []
            for j in range(0, len(data), block):
                out.extend(data[j:j + block] * n)
            data = out
    return data


def _operands(a: ndarray, b: Any) -> tuple[Any, Any, tuple[int, ...]]:
    """Flat data of two operands broadcast against each other (a Python number stays a number)."""
    if not isinstance(b, ndarray):
        if isinstance(b, (list, tuple)):
            b = asarray(b)
        else:
            return a.data, b, a.shape
    if b.size == 1 and b.ndim <= a.ndim:
        return _expand(a, broadcast_shapes(a.shape, b.shape)), b.data[0], broadcast_shapes(a.shape, b.shape)
    shape = broadcast_shapes(a.shape, b.shape)
    return _expand(a, shape), _expand(b, shape), shape


def _nested(value: Any) -> tuple[list[Any], tuple[int, ...]]:
    if isinstance(value, ndarray):
        return value.data, value.shape
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], (list, tuple, ndarray)):
            parts = [_nested(v) for v in value]
            return [x for data, _ in parts for x in data], (len(value),) + parts[0][1]
        return list(value), (len(value),)
    return [value], ()


def asarray(value: Any, dtype: Any = None) -> ndarray:
    """An array of ``value`` (a number, a nested list or an array), cast to ``dtype`` if given."""
    dtype = _dtype(dtype)
    if isinstance(value, ndarray) and (dtype is None or dtype.kind == value.dtype.kind):
        return value
    data, shape = _nested(value)
    if dtype is not None:
        return ndarray(_cast(data, dtype), shape, dtype)
    return ndarray(data, shape)


def array(value: Any, dtype: Any = None) -> ndarray:
    """A new array (numpy's ``array``)."""
    out = asarray(value, dtype)
    return ndarray(list(out.data), out.shape, out.dtype)


def ascontiguousarray(value: Any) -> ndarray:
    return asarray(value)


def shape(value: Any) -> tuple[int, ...]:
    return asarray(value).shape


def broadcast_to(value: Any, shape: tuple[int, ...]) -> ndarray:
    arr = asarray(value)
    target = broadcast_shapes(arr.shape, shape)
    if target != tuple(shape):
        raise ValueError(f"cannot broadcast {arr.shape} to {shape}")
    return ndarray(_expand(arr, tuple(shape)), tuple(shape), arr.dtype)


def arange(n: int, dtype: Any = None) -> ndarray:
    return ndarray(list(range(n)), (n,), _dtype(dtype) or int64)


def zeros(n: int, dtype: Any = None) -> ndarray:
    kind = _dtype(dtype) or float64
    return ndarray([0 if kind.kind == "i" else 0.0] * n, (n,), kind)


def _unary(value: Any, fn: Any, dtype: _DType | None = None) -> Any:
    if not isinstance(value, (ndarray, list, tuple)):
        return fn(value)
    arr = asarray(value)
    return ndarray([fn(x) for x in arr.data], arr.shape, dtype or arr.dtype)


def isnan(value: Any) -> Any:
    return _unary(value, lambda x: x != x, bool_)


def isinf(value: Any) -> Any:
    return _unary(value, lambda x: x in (math.inf, -math.inf), bool_)


def isfinite(value: Any) -> Any:
    return _unary(value, lambda x: not (x != x or x in (math.inf, -math.inf)), bool_)


def floor(value: Any) -> Any:
    return _unary(value, lambda x: float(math.floor(x)) if math.isfinite(x) else x, float64)


def _pairwise(a: Any, b: Any, fn: Any) -> Any:
    if not isinstance(a, ndarray) and not isinstance(b, ndarray):
        return fn(a, b)
    left = asarray(a)
    return left._binary(b, fn)


def minimum(a: Any, b: Any) -> Any:
    """Elementwise minimum; a NaN wins, as in numpy."""
    return _pairwise(a, b, lambda x, y: x if x != x else (y if y != y else (x if x <= y else y)))


def maximum(a: Any, b: Any) -> Any:
    """Elementwise maximum; a NaN wins, as in numpy."""
    return _pairwise(a, b, lambda x, y: x if x != x else (y if y != y else (x if x >= y else y)))


def where(cond: Any, a: Any, b: Any) -> ndarray:
    c, x, y = asarray(cond), asarray(a), asarray(b)
    shape = broadcast_shapes(c.shape, x.shape, y.shape)
    cs, xs, ys = _expand(c, shape), _expand(x, shape), _expand(y, shape)
    return ndarray([p if k else q for k, p, q in zip(cs, xs, ys)], shape)


def take(arr: Any, indices: Sequence[int], axis: int) -> ndarray:
    a = asarray(arr)
    key = [slice(None)] * a.ndim
    (i,) = indices
    i = i % a.shape[axis]
    key[axis] = slice(i, i + 1)
    out: ndarray = a[tuple(key)]
    return out


def flatnonzero(value: Any) -> ndarray:
    arr = asarray(value)
    return ndarray([i for i, x in enumerate(arr.data) if x], (sum(1 for x in arr.data if x),), int64)


def argwhere(value: Any) -> list[tuple[int, ...]]:
    arr = asarray(value)
    return [idx for idx, x in zip(_indices(arr.shape), arr.data) if x]


def argsort(value: Any, kind: str = "stable") -> list[int]:
    data = asarray(value).data
    return sorted(range(len(data)), key=data.__getitem__)


class errstate:  # noqa: N801  (numpy's name)
    """numpy's ``errstate``: a no-op here, IEEE results come from :func:`_div`."""

    def __init__(self, **_: str) -> None:
        pass

    def __enter__(self) -> errstate:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
