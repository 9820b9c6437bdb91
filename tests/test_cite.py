"""``records.common.cite``: a source and its year, the year left out when the source names it."""

from __future__ import annotations

import random
import re

import pytest

from carbonest.catalog._load import read_table
from carbonest.records.common import cite


def _by_regex(source: str | None, year: object) -> str:
    """The rule written as a regular expression: the year is dropped when it stands alone in the
    source as a 19xx or 20xx token."""
    text = (source or "").strip()
    if year is None or year == "":
        return text
    if str(year) in re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", text):
        return text
    return f"{text} {year}".strip()


@pytest.mark.parametrize("source, year, expected", [
    ("US EPA (2018), via Strubell et al. 2019", 2018, "US EPA (2018), via Strubell et al. 2019"),
    ("Ember (2025), Yearly Electricity Data", 2024, "Ember (2025), Yearly Electricity Data 2024"),
    ("report 20189", 2018, "report 20189 2018"),  # part of a longer number: not the year
    ("v12018", 2018, "v12018 2018"),
    ("", 2020, "2020"),
    (None, None, ""),
    ("Table", "", "Table"),
    ("since 1850", 1850, "since 1850 1850"),  # only 19xx and 20xx count as years
    ("2018", "2018", "2018"),
])
def test_cite(source: str | None, year: object, expected: str) -> None:
    assert cite(source, year) == expected == _by_regex(source, year)


def test_cite_agrees_with_the_rule_over_every_shipped_source_and_random_text() -> None:
    sources = {r.get("source", "") for t in ("regions.csv", "accelerators.csv", "datacenters.csv", "cpus.csv")
               for r in read_table(t)}
    rng = random.Random(7)
    alphabet = "0123456789 (),.a"
    sources |= {"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(3000)}
    years = (1999, 2000, 2018, 2024, 2025, 20, 123, "2019")
    for source in sources:
        for year in years:
            assert cite(source, year) == _by_regex(source, year), (source, year)
            cut = rng.randint(0, len(source))
            with_year = source[:cut] + str(year) + source[cut:]  # the year inside, at a random place
            assert cite(with_year, year) == _by_regex(with_year, year), (with_year, year)
