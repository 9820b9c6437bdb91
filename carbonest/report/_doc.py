"""The pieces both appendices share: the document being written, units, places, the method."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from carbonest.report import citations as cit
from carbonest.report.formats import Form, form

COMPONENT_NAMES = {"gpu": "GPU", "cpu": "CPU", "dram": "memory (DRAM)"}


class Doc:
    """One appendix being written: its form, the references in citation order, the figure list."""

    def __init__(self, fmt: str) -> None:
        self.f: Form = form(fmt)
        self.sources = cit.SourceIndex()
        self.refs: list[cit.Reference] = []
        self.rows: list[tuple[str, str, str]] = []

    def cite(self, *refs: cit.Reference) -> str:
        for r in refs:
            if r not in self.refs:
                self.refs.append(r)
        return self.f.cite(list(dict.fromkeys(refs)), {r.key: i for i, r in enumerate(self.refs, 1)})

    def cite_label(self, label: str | None, component: str | None = None) -> str:
        return self.cite(*self.sources.for_label(label or "", component))

    def fig(self, name: str, value: str, label: str | None, component: str | None = None,
            cites: tuple[str, ...] = ()) -> None:
        """Add one figure and its provenance to the list, citing the data sources of ``label`` and ``cites``."""
        refs = [r for lab in (label or "", *cites) for r in self.sources.for_label(lab, component)]
        self.rows.append((name, value, self.f.esc(label or "not recorded") + self.cite(*refs)))

    def kwh(self, value: float) -> str:
        return f"{self.f.num(value)} kWh" if abs(value) >= 0.1 else f"{self.f.num(value * 1000)} Wh"

    def kg(self, value: float) -> str:
        return (f"{self.f.num(value)} kg {self.f.co2}" if abs(value) >= 0.1
                else f"{self.f.num(value * 1000)} g {self.f.co2}")

    def ci(self, value: float) -> str:
        return f"{self.f.num(value)} g {self.f.co2}/kWh"

    def render(self, heading: str, sentences: list[str]) -> str:
        parts = [self.f.paragraph(heading, sentences),
                 self.f.items("Figures and their provenance:", self.rows), self.f.references(self.refs)]
        return "\n\n".join(parts) + "\n"


def as_dict(obj: Any, what: str) -> dict[str, Any]:
    if isinstance(obj, Mapping):
        return dict(obj)
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    from carbonest.errors import InvalidInputError

    raise InvalidInputError(f"{what}: expected a {what} or its to_dict() form, got {type(obj).__name__}",
                            field=what)


def duration_text(seconds: float) -> str:
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.3g} h"
    if seconds >= 120:
        return f"{seconds / 60:.3g} min"
    return f"{seconds:.3g} s"


def basis_word(basis: str | None) -> str:
    return (basis or "unstated").replace("(", " ").replace(",", " ").split()[0]


def place(d: Doc, region: dict[str, Any]) -> str:
    return f"{d.f.esc(region.get('name') or '?')} [{d.f.esc(region.get('id') or '?')}]"


def method_sentence(d: Doc, extra: str = "") -> str:
    return (f"Method: emissions are the facility energy (IT energy{d.f.times}PUE) times the carbon intensity "
            f"of the grid, the accounting of Strubell et al. (2019){d.cite(cit.STRUBELL_2019)}{extra}.")
