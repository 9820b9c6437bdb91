"""Short CPU names that name exactly one model resolve; ambiguous or number-less ones do not."""

import pytest

from carbonest.catalog import find_cpu
from carbonest.errors import UnknownHardwareError


@pytest.mark.parametrize(("typed", "name"), [("i9-13900K", "Intel Core i9-13900K"), ("13900k", "Intel Core i9-13900K")])
def test_short_forms(typed: str, name: str) -> None:
    assert find_cpu(typed).name == name


def test_no_model_number_is_not_guessed() -> None:
    with pytest.raises(UnknownHardwareError):
        find_cpu("xeon")
