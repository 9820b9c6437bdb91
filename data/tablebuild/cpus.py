"""Build ``cpus.csv``: server and desktop CPUs with TDP.

Green Algorithms ``TDP_cpu.csv`` (CC BY 4.0; TDP and core count, each row with its
own datasheet link) wins where it has the model; CodeCarbon 3.3.2 ``cpu_power.csv``
(MIT) adds the Xeon / Core / EPYC / Ryzen / Apple M rows it lacks. Cloud Carbon
Footprint's ``cpu-families/*.csv`` (Apache-2.0) give the micro-architecture.
``model_key`` is precomputed with the package's own :func:`carbonest.catalog.cpus.model_signature`
so that the runtime index is a plain dict build (a test checks that the two agree).
"""

from __future__ import annotations

import re
from pathlib import Path

from carbonest.catalog.cpus import model_signature

from .common import Row, fnum, norm, read_csv, slug, to_float

COLUMNS = [
    "id",
    "name",
    "vendor",
    "tdp_w",
    "cores",
    "threads",
    "microarchitecture",
    "model_key",
    "source",
    "year",
]

GA_SOURCE = "Green Algorithms TDP_cpu.csv v3.0"
CC_SOURCE = "CodeCarbon 3.3.2 cpu_power.csv"
VINTAGE = "2025"
_KEEP = re.compile(r"^(Intel (Xeon|Core)|AMD (EPYC|Ryzen)|Apple M\d)", re.IGNORECASE)
_CCF_FAMILY = {
    "amd-epyc-gen1": "AMD Zen (Naples)",
    "amd-epyc-gen2": "AMD Zen 2 (Rome)",
    "amd-epyc-gen3": "AMD Zen 3 (Milan)",
    "amd-epyc-gen4": "AMD Zen 4 (Genoa)",
    "amd-epyc-gen5": "AMD Zen 5 (Turin)",
    "amd-neoverse-n1": "Arm Neoverse N1",
    "intel-broadwell": "Intel Broadwell",
    "intel-cascadelake": "Intel Cascade Lake",
    "intel-coffeelake": "Intel Coffee Lake",
    "intel-emeraldrapids": "Intel Emerald Rapids",
    "intel-graniterapids": "Intel Granite Rapids",
    "intel-haswell": "Intel Haswell",
    "intel-icelake": "Intel Ice Lake",
    "intel-ivybridge": "Intel Ivy Bridge",
    "intel-sandybridge": "Intel Sandy Bridge",
    "intel-sapphirerapids": "Intel Sapphire Rapids",
    "intel-skylake-client": "Intel Skylake",
    "intel-skylake-server": "Intel Skylake",
    "intel-skylake": "Intel Skylake",
}


def _vendor_name(raw: str) -> tuple[str, str] | None:
    """Canonical (vendor, full name) for a Green Algorithms model string."""
    name = " ".join(raw.replace("Rasberry", "Raspberry").split())
    if not name or name == "Any":
        return None
    if re.match(r"^AMD \d{4}", name):
        name = "AMD EPYC " + name[4:]
    for prefix, vendor in (("Intel", "Intel"), ("AMD", "AMD"), ("Apple", "Apple")):
        if name.startswith(prefix + " "):
            return vendor, name
    if re.match(r"^(Core|Xeon|Pentium|Celeron)\b", name):
        return "Intel", "Intel " + name
    if re.match(r"^(Ryzen|Athlon|EPYC|FX-|A\d+-|Threadripper)", name):
        return "AMD", "AMD " + name
    return name.split()[0], name


def _ccf_families(reference: Path) -> dict[str, str]:
    """norm(model without vendor) -> micro-architecture label."""
    out: dict[str, str] = {}
    folder = reference / "ccf" / "cpu-families"
    for path in sorted(folder.glob("*.csv")):
        label = _CCF_FAMILY.get(path.stem, path.stem)
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.setdefault(norm(line), label)
    return out


def _family_of(name: str, families: dict[str, str]) -> str:
    """CCF lists Intel models without "Xeon" (and often without the tier word)."""
    bare = re.sub(r"^(Intel|AMD|Apple)\s+", "", name)
    no_xeon = re.sub(r"^Xeon\s+", "", bare)
    no_tier = re.sub(r"^(Platinum|Gold|Silver|Bronze)\s+", "", no_xeon)
    for cand in (bare, no_xeon, no_tier if bare.startswith("Xeon") else ""):
        if cand and norm(cand) in families:
            return families[norm(cand)]
    return ""


def _row(name: str, vendor: str, tdp: float, cores: float | None, source: str) -> Row:
    return {
        "id": slug(name),
        "name": name,
        "vendor": vendor,
        "tdp_w": fnum(tdp),
        "cores": fnum(cores),
        "threads": "",
        "source": source,
        "year": VINTAGE,
    }


def _cc_model(raw: str) -> str:
    """A CodeCarbon CPU name without marks and retail wording: "Intel Core i5+8400 (9M Cache, up to
    4.00 GHz) includes Intel Optane Memory" is the i5-8400 sold with Optane memory, the same chip
    and the same row."""
    name = re.sub(r"\s*\([^)]*\bcache\b[^)]*\)", "", raw.replace("®", "").replace("™", ""), flags=re.I)
    name = re.sub(r"\s+includes intel optane memory$", "", name.strip(), flags=re.I)
    name = re.sub(r"\b(i[3579])\+(\d{4})", r"\1-\2", name)  # "i5+8400": the i5-8400 with Optane
    return " ".join(name.split())


def _collect(reference: Path) -> dict[str, Row]:
    """norm(name) -> row: Green Algorithms first, then CodeCarbon for models it lacks."""
    rows: dict[str, Row] = {}
    for r in read_csv(reference / "green-algorithms" / "TDP_cpu.csv", skip=1):
        vn = _vendor_name(r.get("model", ""))
        tdp = to_float(r.get("TDP"))
        if vn is not None and tdp:
            rows.setdefault(
                norm(vn[1]),
                _row(vn[1], vn[0], tdp, to_float(r.get("n_cores")), GA_SOURCE),
            )
    path = reference / "codecarbon" / "pypi-3.3.2" / "hardware" / "cpu_power.csv"
    for r in read_csv(path):
        name = _cc_model(r.get("Name", ""))
        tdp = to_float(r.get("TDP"))
        if _KEEP.match(name) and tdp and name.isascii():
            rows.setdefault(
                norm(name), _row(name, name.split()[0], tdp, None, CC_SOURCE)
            )
    return rows


def build_cpus(reference: Path) -> list[Row]:
    """Rows of ``cpus.csv``, sorted by vendor then name."""
    families = _ccf_families(reference)
    out = sorted(
        _collect(reference).values(), key=lambda x: (x["vendor"], x["name"].lower())
    )
    seen: set[str] = set()
    for row in out:
        row["microarchitecture"] = _family_of(row["name"], families)
        row["model_key"] = model_signature(row["name"])
        while row["id"] in seen:  # distinct names that slug alike
            row["id"] += "-x"
        seen.add(row["id"])
    return out
