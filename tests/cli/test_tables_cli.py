"""``carbonest regions``, ``hardware`` and ``sources`` through the real entry point."""

from __future__ import annotations


def test_regions_json_has_the_documented_columns(cli) -> None:
    r = cli("regions", "--json")
    assert r.code == 0, r.err
    rows = r.json()
    assert len(rows) > 300
    for row in rows:
        assert {"id", "name", "kind", "intensity_g_per_kwh", "year", "source", "basis", "direct_intensity_g_per_kwh",
                "direct_year", "direct_source", "direct_basis"} <= set(row)
        assert row["kind"] in {"country", "subnational", "cloud", "world"}
        # every row has at least one figure, and each figure its year, source and basis
        assert row["intensity_g_per_kwh"] is not None or row["direct_intensity_g_per_kwh"] is not None
        for prefix in ("", "direct_"):
            if row[f"{prefix}intensity_g_per_kwh"] is not None:
                assert row[f"{prefix}source"] and row[f"{prefix}year"]
                assert row[f"{prefix}basis"].startswith("lifecycle" if not prefix else "direct")
    kinds = {row["kind"] for row in rows}
    assert {"country", "subnational", "cloud"} <= kinds


def test_regions_query_and_kind(cli) -> None:
    rows = cli("regions", "quebec", "--json").json()
    assert "CA-QC" in [r["id"] for r in rows]
    cloud = cli("regions", "--kind", "cloud", "--json").json()
    assert cloud and all(r["kind"] == "cloud" for r in cloud)
    assert {"aws", "gcp", "azure"} <= {r["id"].split(":")[0] for r in cloud}
    text = cli("regions", "france")
    assert text.code == 0 and "FR" in text.out and "g CO2e/kWh" in text.out


def test_hardware_json_and_text(cli) -> None:
    rows = cli("hardware", "v100", "--json").json()
    assert len(rows) >= 2
    for row in rows:
        assert {"id", "name", "kind", "tdp_w"} <= set(row) and row["tdp_w"] > 0
    cpus = cli("hardware", "--kind", "cpu", "epyc", "--json").json()
    assert cpus and all(r["kind"] == "cpu" for r in cpus)
    text = cli("hardware", "h100")
    assert text.code == 0 and "H100" in text.out and " W " in text.out


def test_sources_cites_every_table(cli) -> None:
    r = cli("sources")
    assert r.code == 0
    for table in ("accelerators.csv", "cpus.csv", "regions.csv", "datacenters.csv", "constants.csv"):
        assert table in r.out, table
    assert "Ember" in r.out and "CC BY" in r.out
    rows = cli("sources", "--json").json()
    assert all(row.get("citation") for row in rows)


def test_bad_kind_is_a_usage_error(cli) -> None:
    r = cli("regions", "--kind", "planet")
    assert r.code == 2 and "--kind" in r.err and len(r.err.strip().splitlines()) == 1


def test_no_command_prints_help_and_exits_2(cli) -> None:
    r = cli()
    assert r.code == 2 and "estimate" in r.err


def test_version(cli) -> None:
    r = cli("--version")
    assert r.code == 0 and "carbonest" in r.out


def test_a_mistyped_command_gets_a_suggestion(cli) -> None:
    r = cli("estimte", "--gpu", "V100")
    assert r.code == 2 and "did you mean estimate?" in r.err and len(r.err.strip().splitlines()) == 1


def test_a_country_query_lists_its_provinces(cli) -> None:
    ids = [r["id"] for r in cli("regions", "canada", "--json").json()]
    assert "CA" in ids and "CA-QC" in ids and "CA-ON" in ids
