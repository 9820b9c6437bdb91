"""Datacentres, constants, sources, and the import-time rules of the catalog."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from carbonest.catalog import (
    constant,
    find_datacenter,
    industry_pue,
    industry_wue,
    list_constants,
    list_datacenters,
    list_sources,
)
from carbonest.errors import InvalidInputError


def test_import_does_not_load_pandas_numpy_or_tables() -> None:
    code = (
        "import sys, carbonest.catalog\n"
        "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules, 'heavy import'\n"
        "from carbonest.catalog import _load\n"
        "assert _load.read_table.cache_info().currsize == 0, 'table read at import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_tables_load_from_a_zipped_package(tmp_path: Path) -> None:
    """The loader reads through the package's loader, so a wheel/zip install works."""
    import zipfile

    import carbonest

    root = Path(carbonest.__file__).resolve().parent
    archive = tmp_path / "carbonest.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, Path("carbonest") / path.relative_to(root))
    code = (
        "import carbonest.catalog as c\n"
        "assert '.zip' in c.__file__, c.__file__\n"
        "print(c.find_region('quebec').id, c.find_accelerator('v100').id)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(archive)},
        cwd=str(tmp_path),
    )
    assert out.stdout.split() == ["CA-QC", "v100-sxm2-16gb"]


def test_industry_pue_latest_and_by_year() -> None:
    latest = industry_pue()
    uptime_years = [d.year for d in list_datacenters() if d.id.startswith("uptime-")]
    assert latest.year == max(uptime_years) and latest.pue == pytest.approx(1.56)
    assert industry_pue(2023).pue == pytest.approx(1.58)
    assert industry_pue(2016).year == 2014
    with pytest.raises(InvalidInputError):
        industry_pue(1990)


def test_find_datacenter() -> None:
    assert find_datacenter("google").pue == pytest.approx(1.10)
    assert find_datacenter("AWS").kind == "provider"
    assert find_datacenter("Microsoft").id == "azure"
    assert find_datacenter("uptime-2024").pue == pytest.approx(1.56)
    assert find_datacenter("uptime").id == industry_pue().id
    gpt3 = find_datacenter("patterson2021-gpt-3")
    assert gpt3.pue == pytest.approx(1.1) and gpt3.intensity_g_per_kwh == pytest.approx(
        429
    )
    with pytest.raises(InvalidInputError, match="google"):
        find_datacenter("gooogle")


def test_industry_wue() -> None:
    wue = industry_wue()
    assert wue.wue_l_per_kwh is not None and wue.wue_l_per_kwh > 0 and wue.source


def test_constants() -> None:
    assert constant("embodied_gpu_kg").value == 150
    assert constant("embodied_server_base_kg").value == 1000
    assert constant("embodied cpu kg").value == 100
    assert constant("server_lifetime_years").value == 4
    assert constant("strubell2019_pue").value == pytest.approx(1.58)
    assert constant("strubell2019_us_lbs_per_kwh").value == pytest.approx(0.954)
    assert constant("equiv_flight_ny_sf_roundtrip_lbs").value == 1984
    assert constant("equiv_car_lifetime_lbs").value == 126000
    assert constant("memory_power_w_per_gb").value == pytest.approx(0.3725)
    with pytest.raises(InvalidInputError) as info:
        constant("embodied_gpu_kgs")
    assert isinstance(info.value, LookupError) and "embodied_gpu_kg" in str(info.value)
    assert all(c.source and c.unit for c in list_constants())


def test_sources_cover_cc_by_credits() -> None:
    sources = list_sources()
    text = " ".join(s.citation for s in sources)
    for credit in (
        "Ember",
        "Epoch AI",
        "Green Algorithms",
        "Our World in Data",
        "Open Government Licence",
    ):
        assert credit in text
    assert list_sources("regions.csv") and all(
        s.table == "regions.csv" for s in list_sources("regions.csv")
    )


def test_provider_wue_carries_its_own_year() -> None:
    from carbonest.catalog import find_datacenter

    azure, aws = find_datacenter("azure"), find_datacenter("aws")
    assert (azure.wue_l_per_kwh, azure.wue_year) == (0.30, 2024)  # Microsoft FY2024
    assert (aws.wue_l_per_kwh, aws.wue_year) == (0.25, 2021)
    assert aws.year == 2025  # the PUE's year, not the WUE's
