"""Build ``cpu_vcpu_power.csv``: Cloud Carbon Footprint's watts per vCPU by micro-architecture.

Input: ccf-coefficients ``output/coefficients-{aws,azure,gcp}-use.csv`` (Apache-2.0), one row
per micro-architecture with ``Min Watts`` (idle) and ``Max Watts`` (100 % busy) per vCPU.

Choices (also in ``data/SOURCES.md``):

* **One figure per micro-architecture, the mean over the clouds that list it.** ``Min Watts``
  is the same in every cloud's file; ``Max Watts`` differs by a few percent (GCP's is lower).
  carbonest does not know which cloud it runs in, so it takes the mean and names the clouds
  it averaged in ``clouds``.
* Rows are labelled with the ``microarchitecture`` names of ``cpus.csv`` (``AMD Zen 3
  (Milan)``), so a catalogued CPU finds its row; ``ccf_architecture`` keeps CCF's own name.
* **Family defaults** (``kind`` = ``family``) for a CPU whose family is known but whose model
  is not (``/proc/cpuinfo`` in many VMs says only ``AMD EPYC``): the plain mean of the family's
  micro-architecture rows (EPYC gen 1-5; every Intel row). ``name_prefix`` is the start of the
  normalised model name that selects the family.
* **The overall default** (``kind`` = ``default``) for a CPU nothing is known about: CCF's own
  fallback for an unknown instance type, ``MIN_WATTS_AVG`` 0.74 and ``MAX_WATTS_AVG`` 3.5 W per
  vCPU (its AWS constants; Azure's maximum is 3.54), read from ``ccf_constants_extracted.csv``.
"""

from __future__ import annotations

from pathlib import Path

from .common import BuildError, Row, fnum, read_csv

COLUMNS = [
    "id",
    "microarchitecture",
    "kind",
    "name_prefix",
    "min_w_per_vcpu",
    "max_w_per_vcpu",
    "ccf_architecture",
    "clouds",
    "note",
    "source",
    "year",
]

CLOUDS = ("aws", "azure", "gcp")
USE_SOURCE = "Cloud Carbon Footprint ccf-coefficients coefficients-{clouds}-use.csv"
USE_YEAR = "2026"  # ccf-coefficients output @b0032d92 (2026-04-24; SPECpower of 2026-03-09)
CONST_SOURCE = "Cloud Carbon Footprint AwsFootprintEstimationConstants MIN_WATTS_AVG/MAX_WATTS_AVG"
CONST_YEAR = "2024"  # cloud-carbon-footprint @b7a049c7 (2024-03-25)

# CCF architecture name -> (id, label used in cpus.csv's microarchitecture column).
_LABELS = {
    "EPYC 1st Gen": ("amd-zen", "AMD Zen (Naples)"),
    "EPYC 2nd Gen": ("amd-zen2", "AMD Zen 2 (Rome)"),
    "EPYC 3rd Gen": ("amd-zen3", "AMD Zen 3 (Milan)"),
    "EPYC 4th Gen": ("amd-zen4", "AMD Zen 4 (Genoa)"),
    "EPYC 5th Gen": ("amd-zen5", "AMD Zen 5 (Turin)"),
    "Sandy Bridge": ("intel-sandy-bridge", "Intel Sandy Bridge"),
    "Ivy Bridge": ("intel-ivy-bridge", "Intel Ivy Bridge"),
    "Haswell": ("intel-haswell", "Intel Haswell"),
    "Broadwell": ("intel-broadwell", "Intel Broadwell"),
    "Skylake": ("intel-skylake", "Intel Skylake"),
    "Cascade Lake": ("intel-cascade-lake", "Intel Cascade Lake"),
    "Coffee Lake": ("intel-coffee-lake", "Intel Coffee Lake"),
    "Ice Lake": ("intel-ice-lake", "Intel Ice Lake"),
    "Sapphire Rapids": ("intel-sapphire-rapids", "Intel Sapphire Rapids"),
    "Emerald Rapids": ("intel-emerald-rapids", "Intel Emerald Rapids"),
    "Granite Rapids": ("intel-granite-rapids", "Intel Granite Rapids"),
    "Graviton2": ("aws-graviton2", "AWS Graviton2"),
    "Graviton3": ("aws-graviton3", "AWS Graviton3"),
    "Graviton3E": ("aws-graviton3e", "AWS Graviton3E"),
    "Graviton4": ("aws-graviton4", "AWS Graviton4"),
}
_GRAVITON_NOTE = "CCF gives Graviton the EPYC 2nd Gen figures (no SPECpower data of its own)"

# id, label, name_prefix, member ids (a prefix of the member ids)
_FAMILIES = (
    ("amd-epyc", "AMD EPYC, generation unknown", "epyc", "amd-zen"),
    ("intel-xeon", "Intel Xeon, generation unknown", "xeon", "intel-"),
)


def _brace(clouds: list[str]) -> str:
    return clouds[0] if len(clouds) == 1 else "{" + ",".join(clouds) + "}"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _per_architecture(reference: Path) -> dict[str, dict[str, list[float] | list[str]]]:
    found: dict[str, dict[str, list]] = {}  # type: ignore[type-arg]
    for cloud in CLOUDS:
        path = reference / "ccf" / f"coefficients-{cloud}-use.csv"
        for r in read_csv(path):
            arch = r["Architecture"].strip()
            if arch not in _LABELS:
                raise BuildError(f"{path.name}: unknown architecture {arch!r}: add it to _LABELS")
            slot = found.setdefault(arch, {"min": [], "max": [], "clouds": []})
            slot["min"].append(float(r["Min Watts"]))
            slot["max"].append(float(r["Max Watts"]))
            slot["clouds"].append(cloud)
    return found


def _constant(reference: Path, key: str) -> float:
    for r in read_csv(reference / "ccf" / "ccf_constants_extracted.csv"):
        if r["provider"] == "aws" and r["kind"] == "constant" and r["key"] == key:
            return float(r["value"])
    raise BuildError(f"ccf_constants_extracted.csv: no aws constant {key}")


def build_vcpu_power(reference: Path) -> list[Row]:
    """Rows of ``cpu_vcpu_power.csv``: micro-architectures (by id), then families, then default."""
    arch_rows: list[Row] = []
    values: dict[str, tuple[float, float]] = {}
    for arch, slot in _per_architecture(reference).items():
        ident, label = _LABELS[arch]
        lo, hi = _mean(slot["min"]), _mean(slot["max"])  # type: ignore[arg-type]
        values[ident] = (lo, hi)
        clouds = "|".join(slot["clouds"])  # type: ignore[arg-type]
        arch_rows.append({
            "id": ident, "microarchitecture": label, "kind": "microarchitecture",
            "name_prefix": "", "min_w_per_vcpu": fnum(lo), "max_w_per_vcpu": fnum(hi),
            "ccf_architecture": arch, "clouds": clouds,
            "note": _GRAVITON_NOTE if arch.startswith("Graviton") else "mean over the clouds listed",
            "source": USE_SOURCE.format(clouds=_brace(slot["clouds"])),  # type: ignore[arg-type]
            "year": USE_YEAR,
        })
    arch_rows.sort(key=lambda r: r["id"])
    family_rows: list[Row] = []
    for ident, label, prefix, members in _FAMILIES:
        ids = sorted(k for k in values if k.startswith(members))
        if not ids:
            raise BuildError(f"family {ident}: no member rows")
        lo = _mean([values[i][0] for i in ids])
        hi = _mean([values[i][1] for i in ids])
        family_rows.append({
            "id": ident, "microarchitecture": label, "kind": "family", "name_prefix": prefix,
            "min_w_per_vcpu": fnum(lo), "max_w_per_vcpu": fnum(hi), "ccf_architecture": "",
            "clouds": "", "note": "mean of " + ", ".join(ids),
            "source": "carbonest (mean of Cloud Carbon Footprint rows)", "year": USE_YEAR,
        })
    default = {
        "id": "default", "microarchitecture": "unknown CPU", "kind": "default", "name_prefix": "",
        "min_w_per_vcpu": fnum(_constant(reference, "MIN_WATTS_AVG")),
        "max_w_per_vcpu": fnum(_constant(reference, "MAX_WATTS_AVG")),
        "ccf_architecture": "", "clouds": "aws",
        "note": "CCF's average for an unknown instance type (Azure's maximum is 3.54)",
        "source": CONST_SOURCE, "year": CONST_YEAR,
    }
    return arch_rows + family_rows + [default]
