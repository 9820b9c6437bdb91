"""The plain-Python arrays behave as numpy's do for every operation the what-if engine uses."""

from __future__ import annotations

import math
import operator

import pytest

np = pytest.importorskip("numpy")

from carbonest.whatif import pyarr  # noqa: E402

SHAPES = [((3, 1, 2), (1, 4, 1)), ((2, 3), (3,)), ((1,), (5, 1)), ((4, 1, 1), ())]


def _values(shape: tuple[int, ...], seed: int) -> list:
    n = math.prod(shape)
    return [((i * 7 + seed) % 11 - 3) / 3.0 for i in range(n)]


def _pair(shape: tuple[int, ...], seed: int):
    data = _values(shape, seed)
    return np.array(data, dtype=np.float64).reshape(shape), pyarr.ndarray(data, shape, pyarr.float64)


@pytest.mark.parametrize("left, right", SHAPES)
@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv, operator.lt,
                                operator.ge, operator.eq])
def test_broadcasting_operators_match_numpy(left, right, op) -> None:
    a_np, a_py = _pair(left, 1)
    b_np, b_py = _pair(right, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        want = op(a_np, b_np)
    got = op(a_py, b_py)
    assert got.shape == want.shape
    assert [str(x) for x in got.data] == [str(x) for x in want.reshape(-1).tolist()]  # nan and inf too


def test_functions_match_numpy() -> None:
    a_np, a_py = _pair((2, 3, 2), 5)
    b_np, b_py = _pair((1, 3, 1), 3)
    for name in ("minimum", "maximum"):
        assert getattr(pyarr, name)(a_py, b_py).data == getattr(np, name)(a_np, b_np).reshape(-1).tolist()
    assert pyarr.where(a_py < 0, a_py, b_py).data == np.where(a_np < 0, a_np, b_np).reshape(-1).tolist()
    assert pyarr.broadcast_to(b_py, (2, 3, 2)).data == np.broadcast_to(b_np, (2, 3, 2)).reshape(-1).tolist()
    assert a_py.transpose((2, 0, 1)).data == a_np.transpose((2, 0, 1)).reshape(-1).tolist()
    keep = (slice(0, 1), slice(0, 2))
    assert a_py[keep].data == np.ascontiguousarray(a_np[keep]).reshape(-1).tolist()
    assert pyarr.take(a_py, [-1], axis=1).data == np.take(a_np, [-1], axis=1).reshape(-1).tolist()
    assert pyarr.argsort(a_py.reshape(-1)) == np.argsort(a_np.reshape(-1), kind="stable").tolist()
    assert pyarr.asarray([1, 2], dtype="int64").tolist() == [1, 2]
