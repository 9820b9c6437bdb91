"""Build ``accelerators.csv`` and ``family_defaults.csv``.

Epoch AI's ``ml_hardware.csv`` (CC BY 4.0) supplies release year, TDP, memory and
throughput for the SKUs listed in ``data/curated/accelerators.csv``; values typed in
the curated file fill Epoch's gaps (each such row cites its own URL).
"""

from __future__ import annotations

from pathlib import Path

from .common import (
    BuildError,
    Row,
    curated,
    fnum,
    join_unique,
    norm,
    read_csv,
    to_float,
)

COLUMNS = [
    "id",
    "name",
    "vendor",
    "kind",
    "family",
    "tdp_w",
    "memory_gb",
    "release_year",
    "flops_fp64_per_s",
    "flops_fp32_per_s",
    "flops_tf32_per_s",
    "flops_fp16_per_s",
    "flops_bf16_per_s",
    "flops_fp8_per_s",
    "flops_int8_per_s",
    "tdp_scope",
    "patterson2021_system_power_w",
    "aliases",
    "source",
    "year",
]
POWER_COLUMNS = [
    "accelerator_id",
    "power_w",
    "metric",
    "scope",
    "chosen",
    "source",
    "year",
    "note",
]
PATTERSON = (
    "Patterson et al. (2021), Carbon Emissions and Large Neural Network Training, Table 4, "
    "via LLMCarbon data/models.csv (Apache-2.0)"
)
# Patterson's processor names -> the SKU ids their figures apply to (V100: every V100 SKU;
# the paper names no variant).
_PATTERSON_IDS = {"TPUv2": ("tpu-v2",), "TPUv3": ("tpu-v3",), "V100": ("v100",)}
# Google publishes TPU memory in GiB (v2 16, v3 32, v4 32, v5e 16, v5p 95 GiB per chip;
# https://cloud.google.com/tpu/docs/system-architecture-tpu-vm) and Epoch copies the number
# as if it were 10^9 bytes. memory_gb is 10^9 bytes, so these are converted.
_GIB_SKUS = ("tpu-v2", "tpu-v3", "tpu-v4", "tpu-v5e", "tpu-v5p")
_GB_PER_GIB = 2**30 / 1e9
FAMILY_COLUMNS = ["family", "default_id", "members", "reason", "source", "year"]

EPOCH_SOURCE = "Epoch AI (2025), Machine Learning Hardware"
EPOCH_VINTAGE = "2025"
# curated column -> (Epoch column(s), in order of preference)
_EPOCH_FLOPS = {
    "fp64_tflops": ("FP64 (double precision) performance (FLOP/s)",),
    "fp32_tflops": ("FP32 (single precision) performance (FLOP/s)",),
    "tf32_tflops": ("TF32 (TensorFloat-32) performance (FLOP/s)",),
    "fp16_tflops": (
        "Tensor-FP16/BF16 performance (FLOP/s)",
        "FP16 (half precision) performance (FLOP/s)",
    ),
    "fp8_tflops": ("FP8 performance (FLOP/s)",),
    "int8_tops": ("INT8 performance (OP/s)",),
}
_OUT_FLOPS = {
    "fp64_tflops": "flops_fp64_per_s",
    "fp32_tflops": "flops_fp32_per_s",
    "tf32_tflops": "flops_tf32_per_s",
    "fp16_tflops": "flops_fp16_per_s",
    "bf16_tflops": "flops_bf16_per_s",
    "fp8_tflops": "flops_fp8_per_s",
    "int8_tops": "flops_int8_per_s",
}


def _epoch_rows(reference: Path) -> dict[str, Row]:
    rows = read_csv(reference / "epoch" / "ml_hardware.csv")
    return {r["Hardware name"].strip(): r for r in rows}


def _epoch_value(epoch: Row | None, key: str) -> float | None:
    if epoch is None:
        return None
    if key == "bf16_tflops":
        return None  # decided in _bf16 from the tensor column
    for col in _EPOCH_FLOPS[key]:
        value = to_float(epoch.get(col))
        if value:
            return value / 1e12
    return None


def _bf16(cur: Row, epoch: Row | None, year: int | None) -> float | None:
    """Epoch reports one tensor FP16/BF16 figure; BF16 exists only from Ampere/CDNA2/TPU on."""
    if epoch is None:
        return None
    tensor = to_float(epoch.get("Tensor-FP16/BF16 performance (FLOP/s)"))
    capable = cur["vendor"] == "Google" or (year is not None and year >= 2020)
    return tensor / 1e12 if tensor and capable else None


def _merge(cur: Row, epoch: Row | None) -> tuple[Row, bool, bool]:
    """Return (output row without source/year, used_epoch, used_curated)."""
    used_epoch = used_cur = False

    def pick(cur_key: str, epoch_val: float | None) -> float | None:
        nonlocal used_epoch, used_cur
        text = cur.get(cur_key, "")
        if text == "n/a":
            used_cur = True
            return None
        if text:
            used_cur = True
            return float(text)
        if epoch_val is not None:
            used_epoch = True
        return epoch_val

    date = (epoch or {}).get("Release date", "")[:4]
    year_f = pick("release_year", float(date) if date.isdigit() else None)
    mem = to_float((epoch or {}).get("Memory size per board (Byte)"))
    out: Row = {
        "id": cur["id"],
        "name": cur["name"],
        "vendor": cur["vendor"],
        "kind": cur["kind"],
        "family": cur["family"],
        "release_year": fnum(year_f),
        "tdp_w": fnum(pick("tdp_w", to_float((epoch or {}).get("TDP (W)")))),
        "memory_gb": fnum(pick("memory_gb", mem / 1e9 if mem else None), 4),
    }
    year = int(year_f) if year_f else None
    for key, col in _OUT_FLOPS.items():
        if key == "bf16_tflops":
            value = pick(key, _bf16(cur, epoch, year))
        else:
            value = pick(key, _epoch_value(epoch, key))
        out[col] = fnum(value * 1e12 if value is not None else None, 6)
    return out, used_epoch, used_cur


def build_accelerators(reference: Path) -> list[Row]:
    """Rows of ``accelerators.csv``, in curated order."""
    epoch = _epoch_rows(reference)
    rows: list[Row] = []
    for cur in curated("accelerators.csv"):
        ename = cur["epoch_name"]
        if ename and ename not in epoch:
            raise BuildError(f"accelerator {cur['id']}: no Epoch row named {ename!r}")
        out, used_epoch, used_cur = _merge(cur, epoch.get(ename) if ename else None)
        if used_cur and not cur["source_url"]:
            raise BuildError(
                f"accelerator {cur['id']}: curated values without a source_url"
            )
        sources = []
        if used_epoch:
            sources.append(f"{EPOCH_SOURCE} ({ename})")
        if used_cur:
            sources.append(cur["source_url"])
        out["source"] = "; ".join(sources)
        out["year"] = (
            EPOCH_VINTAGE  # vintage of the table (Epoch export 2025-12; datasheets read 2025)
        )
        out["aliases"] = join_unique(cur["aliases"].split("|"))
        if cur["id"] in _GIB_SKUS and out["memory_gb"] and not cur["memory_gb"]:
            out["memory_gb"] = fnum(float(out["memory_gb"]) * _GB_PER_GIB, 4)
        rows.append(out)
    _check_keys(rows)
    _apply_power(rows, reference)
    return rows


def patterson_rows(reference: Path) -> list[Row]:
    """Patterson et al. 2021's measured system average power per accelerator, one row per run."""
    out: list[Row] = []
    for r in read_csv(reference / "llmcarbon" / "models.csv"):
        out.append(
            {
                "processor": r["Processor"],
                "model": r["Model"],
                "power_w": r["Measured System Average Power per Accelerator (W)"],
            }
        )
    return out


def power_table(reference: Path, ids: list[str]) -> list[Row]:
    """Rows of ``accelerator_power.csv``: curated alternatives, then Patterson's per-run powers."""
    rows = curated("accelerator_power.csv")
    for r in patterson_rows(reference):
        for prefix in _PATTERSON_IDS.get(r["processor"], ()):
            for sku in (i for i in ids if i == prefix or i.startswith(prefix + "-")):
                rows.append(
                    {
                        "accelerator_id": sku,
                        "power_w": r["power_w"],
                        "metric": "measured system average power per accelerator",
                        "scope": "accelerator+host share",
                        "chosen": "false",
                        "source": PATTERSON,
                        "year": "2021",
                        "note": f"{r['model']} on {r['processor']}",
                    }
                )
    return rows


def _apply_power(rows: list[Row], reference: Path) -> None:
    """Chosen TDPs and Patterson's mean system power per processor into the accelerator rows."""
    by_id = {r["id"]: r for r in rows}
    for p in curated("accelerator_power.csv"):
        row = by_id.get(p["accelerator_id"])
        if row is None:
            raise BuildError(f"accelerator_power.csv: unknown id {p['accelerator_id']}")
        if p["chosen"] == "true":
            row["tdp_w"] = p["power_w"]
            row["tdp_scope"] = f"{p['scope']} ({p['metric']})"
            src = p["source"].split(" (https")[0]
            row["source"] = f"{row['source']}; power: {src}"
    runs: dict[str, list[float]] = {}
    for r in patterson_rows(reference):
        runs.setdefault(r["processor"], []).append(float(r["power_w"]))
    for proc, values in runs.items():
        mean = sum(values) / len(values)
        for prefix in _PATTERSON_IDS.get(proc, ()):
            for rid, row in by_id.items():
                if rid == prefix or rid.startswith(prefix + "-"):
                    row["patterson2021_system_power_w"] = fnum(round(mean, 2))


def _check_keys(rows: list[Row]) -> None:
    """Two SKUs must never share a normalised id, name or alias."""
    owner: dict[str, str] = {}
    for row in rows:
        for key in [row["id"], row["name"], *row["aliases"].split("|")]:
            k = norm(key)
            if k and owner.setdefault(k, row["id"]) != row["id"]:
                raise BuildError(
                    f"alias {key!r} used by both {owner[k]} and {row['id']}"
                )


def build_family_defaults(accelerators: list[Row]) -> list[Row]:
    """Rows of ``family_defaults.csv``, checked against the accelerator ids."""
    ids = {r["id"] for r in accelerators}
    out: list[Row] = []
    for fam in curated("family_defaults.csv"):
        members = fam["members"].split("|")
        if (
            fam["default_id"] not in ids
            or not set(members) <= ids
            or members[0] != fam["default_id"]
        ):
            raise BuildError(f"family {fam['family']}: unknown or misordered ids")
        out.append({**fam, "source": "carbonest (curated choice)", "year": "2025"})
    return out
