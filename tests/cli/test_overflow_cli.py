"""Inputs whose results overflow the float range: one line naming the input, never inf or a traceback (item 17)."""

from __future__ import annotations

import json

import pytest

import carbonest
from carbonest.errors import InvalidInputError


@pytest.mark.parametrize("json_flag", [["--json"], []])
@pytest.mark.parametrize(("args", "flag"), [
    (["--gpu", "V100", "--hours", "1e308", "--region", "quebec"], "--hours"),
    (["--gpu", "V100", "--gpu-power-w", "1e306", "--hours", "1e5", "--region", "quebec"], "--gpu-power-w"),
    (["--gpu", "A100", "--params", "1e300", "--tokens", "1e10", "--region", "FR"], "--params"),
])
def test_estimate_overflow_is_one_line_naming_the_flag(cli, args, flag, json_flag) -> None:
    r = cli("estimate", *args, *json_flag)
    assert r.code == 2, r.out
    assert r.out == "" and "inf" not in r.err and r.err.count("\n") == 1
    if json_flag:  # with --json the error is one JSON object
        error = json.loads(r.err)
        assert error["error"].startswith(f"{flag}: too large") and error["field"] == flag
    else:
        assert r.err.startswith(f"carbonest estimate: error: {flag}: too large")


def test_the_api_raises_instead_of_returning_inf() -> None:
    with pytest.raises(InvalidInputError, match=r"^hours: too large") as info:
        carbonest.estimate(gpu="V100", hours=1e308, region="quebec")
    assert info.value.field == "hours"
    assert carbonest.estimate(gpu="V100", hours=1e200, region="quebec").co2e_kg < float("inf")


def test_whatif_overflow_is_one_line_naming_the_flag(cli) -> None:
    r = cli("whatif", "--gpu", "V100", "--hours", "1,1e308", "--region", "quebec")
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("carbonest whatif: error: --hours: too large") and r.err.count("\n") == 1
    with pytest.raises(InvalidInputError, match="hours"):
        carbonest.whatif(gpu="V100", hours=[1e308], region="quebec")
