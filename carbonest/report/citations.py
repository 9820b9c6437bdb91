"""The works a compute appendix cites, and how a figure's provenance finds its data source.

Three kinds of reference:

* the method papers, cited where their method or figures were used: Strubell et al. 2019
  (energy x PUE x carbon intensity, always), Patterson et al. 2021 (its preset, its serving
  model or a figure from its Table 4), Kaplan et al. 2020 (training compute 6ND);
* the data sources of the shipped tables (``sources.csv``, :func:`carbonest.catalog.list_sources`),
  found from the provenance labels of the figures used (:func:`sources_for`);
* carbonest itself, with the version that made the figures.

A provenance label that names a table (``table:regions DE lifecycle Ember (2025)...``) is
matched to that table's rows of ``sources.csv`` whose publisher is named in the label; a
modelled figure to the rows of the tables its model reads (the CPU model: ``cpus.csv`` and
``cpu_vcpu_power.csv``; memory: ``constants.csv``). A label that matches no row still gets
a reference, made from the label itself, so no data source goes uncited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from typing import TYPE_CHECKING

from carbonest._version import __version__

if TYPE_CHECKING:
    from carbonest.catalog.sources import TableSource


@dataclass(frozen=True)
class Reference:
    """One cited work.

    Attributes:
        key: BibTeX key.
        kind: BibTeX entry type (``inproceedings``, ``misc``).
        fields: BibTeX fields, in order, as plain text (escaped when rendered).
        text: The reference as one plain sentence (markdown and text forms).
        short: Author-year form for the running text (``Strubell et al., 2019``).
        raw: Fields written verbatim (URLs, DOIs, arXiv ids; a title whose braces keep its case).
    """

    key: str
    kind: str
    fields: tuple[tuple[str, str], ...]
    text: str
    short: str
    raw: frozenset[str] = frozenset({"url", "doi", "eprint", "archiveprefix"})


STRUBELL_2019 = Reference(
    "strubell2019energy", "inproceedings",
    (("author", "Strubell, Emma and Ganesh, Ananya and McCallum, Andrew"),
     ("title", "Energy and Policy Considerations for Deep Learning in {NLP}"),
     ("booktitle", "Proceedings of the 57th Annual Meeting of the Association for Computational Linguistics"),
     ("pages", "3645--3650"), ("year", "2019"), ("doi", "10.18653/v1/P19-1355")),
    "Strubell, E., Ganesh, A. and McCallum, A. (2019). Energy and Policy Considerations for Deep Learning "
    "in NLP. Proceedings of ACL 2019, 3645-3650. doi:10.18653/v1/P19-1355",
    "Strubell et al., 2019", frozenset({"title", "pages", "doi"}))

PATTERSON_2021 = Reference(
    "patterson2021carbon", "misc",
    (("author", "Patterson, David and Gonzalez, Joseph and Le, Quoc and Liang, Chen and Munguia, Lluis-Miquel "
                "and Rothchild, Daniel and So, David and Texier, Maud and Dean, Jeff"),
     ("title", "Carbon Emissions and Large Neural Network Training"), ("year", "2021"),
     ("eprint", "2104.10350"), ("archiveprefix", "arXiv"), ("url", "https://arxiv.org/abs/2104.10350")),
    "Patterson, D., Gonzalez, J., Le, Q., Liang, C., Munguia, L.-M., Rothchild, D., So, D., Texier, M. and "
    "Dean, J. (2021). Carbon Emissions and Large Neural Network Training. arXiv:2104.10350",
    "Patterson et al., 2021")

KAPLAN_2020 = Reference(
    "kaplan2020scaling", "misc",
    (("author", "Kaplan, Jared and McCandlish, Sam and Henighan, Tom and Brown, Tom B. and Chess, Benjamin and "
                "Child, Rewon and Gray, Scott and Radford, Alec and Wu, Jeffrey and Amodei, Dario"),
     ("title", "Scaling Laws for Neural Language Models"), ("year", "2020"),
     ("eprint", "2001.08361"), ("archiveprefix", "arXiv"), ("url", "https://arxiv.org/abs/2001.08361")),
    "Kaplan, J. et al. (2020). Scaling Laws for Neural Language Models. arXiv:2001.08361",
    "Kaplan et al., 2020")


def carbonest_reference(version: str | None = None) -> Reference:
    """carbonest itself, at ``version`` (default: this one)."""
    v = version or __version__
    return Reference(
        "carbonest", "misc",
        (("author", "{carbonest developers}"),
         ("title", "carbonest: energy, carbon and water of machine-learning work, with the provenance of "
                   "every number"),
         ("note", f"Software, version {v}"), ("year", "2026")),
        f"carbonest developers. carbonest, version {v}: energy, carbon and water of machine-learning work, "
        "with the provenance of every number (software).",
        f"carbonest {v}")


# Tables a modelled figure reads, by component (see carbonest/probes/cpu_model.py, memory_model.py).
MODEL_TABLES = {"cpu": ("cpus.csv", "cpu_vcpu_power.csv"), "dram": ("constants.csv",),
                "gpu": ("accelerators.csv", "accelerator_power.csv")}
# Tables whose figures are built from another table's (regions derived from a generation mix
# use lifecycle_factors.csv; the intensity range reads intensity_alternatives.csv).
COMPANION_TABLES = {"regions.csv": ("lifecycle_factors.csv",)}
GENERIC_PUBLISHERS = ("compiled", "cloud providers", "vendor datasheets", "carbonest")
"""``sources.csv`` publishers that name a compilation, not an author."""
# Short names carbonest's own labels use for a publisher.
ABBREVIATIONS = {"Cloud Carbon Footprint": ("CCF",)}


def _tables_of(label: str, component: str | None) -> tuple[str, ...]:
    if label.startswith("table:"):
        table = label[len("table:"):].split(" ", 1)[0] + ".csv"
        return (table, *COMPANION_TABLES.get(table, ()))
    if label.startswith("modelled:") and component in MODEL_TABLES:
        return MODEL_TABLES[component]
    return ()


def _names(source: str, citation: str) -> list[str]:
    names = [source, *ABBREVIATIONS.get(source, ())]
    # A compiled table's publisher is "compiled": its citation's first words name what it compiles.
    if source in GENERIC_PUBLISHERS:
        names += [" ".join(citation.split()[:3])]
    return [n.lower() for n in names if n]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())[:24] or "source"


def _source_reference(row: TableSource, key: str) -> Reference:
    title, citation, licence, url = row.title, row.citation, row.licence, row.url
    year, vintage, table = str(row.year), row.vintage, row.table
    # A compiled table has no author: its title and note say what it compiles.
    author = [] if row.source in GENERIC_PUBLISHERS else [("author", "{" + row.source + "}")]
    fields = [*author, ("title", title), ("year", year),
              ("note", f"{citation} Licence: {licence}. Vintage: {vintage}. Used by carbonest's {table}.")]
    if url.startswith("http"):
        fields.append(("url", url.replace("{", "%7B").replace("}", "%7D")))
    text = f"{citation} Licence: {licence}." + (f" {url}" if url.startswith("http") else "")
    return Reference(key, "misc", tuple(fields), text, f"{row.source}, {year}")


def _label_reference(label: str, key: str) -> Reference:
    """A reference made from a provenance label no row of sources.csv matched."""
    return Reference(key, "misc", (("title", label), ("note", "as recorded in the figure's provenance")),
                     f"{label} (as recorded in the figure's provenance).", label[:40])


class SourceIndex:
    """The data-source references of the figures cited so far, each made once, keys unique.

    ``for_label(label, component)`` returns the references of one figure's provenance label
    (none for user input, defaults, measured counters and derived figures).
    """

    def __init__(self) -> None:
        from carbonest.catalog import list_sources

        self._rows = list_sources()
        self._by_ident: dict[tuple[str, ...], Reference] = {}
        self._keys: set[str] = {STRUBELL_2019.key, PATTERSON_2021.key, KAPLAN_2020.key, "carbonest"}

    def _key(self, base: str) -> str:
        key, n = base, 2
        while key in self._keys:
            key, n = f"{base}{n}", n + 1
        self._keys.add(key)
        return key

    def for_label(self, label: str, component: str | None = None) -> list[Reference]:
        """The references for one provenance label."""
        tables = _tables_of(label, component)
        if not tables:
            return []
        text = label.lower()
        matched = [r for r in self._rows
                   if r.table in tables and any(n in text for n in _names(r.source, r.citation))]
        if not matched:  # a compiled table's figures come from the pages its compiled row cites
            matched = [r for r in self._rows if r.table == tables[0] and r.source == "compiled"]
        if not matched:
            ident: tuple[str, ...] = ("label", label)
            if ident not in self._by_ident:
                self._by_ident[ident] = _label_reference(label, self._key("data" + _slug(label.split(" ", 1)[-1])))
            return [self._by_ident[ident]]
        out = []
        for r in matched:
            ident = (r.table, r.source, r.title)
            if ident not in self._by_ident:
                self._by_ident[ident] = _source_reference(r, self._key(_slug(r.source) + str(r.year)))
            out.append(self._by_ident[ident])
        return out
