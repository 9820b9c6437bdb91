"""``carbonest intensity REGION``: a grid's carbon intensity now, at a past time, or forecast."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from carbonest.cli.common import print_json


def add_parser(sub: Any) -> None:
    """Register ``intensity``."""
    p = sub.add_parser(
        "intensity", help="a grid's carbon intensity now, at a time, or its forecast",
        description="The carbon intensity of REGION from the shipped tables (yearly, offline) or a live "
                    "provider (electricitymaps, watttime, uk), with its basis, time and source.",
    )
    p.add_argument("region", metavar="REGION", help="a carbonest region or the provider's own zone (FR, GB-13, CAISO_NORTH)")
    p.add_argument("--provider", metavar="P",
                   help="table, electricitymaps, watttime or uk (default: CARBONEST_INTENSITY_PROVIDER, config, table)")
    p.add_argument("--basis", metavar="B", help="lifecycle, direct or marginal (default: the provider's)")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--at", metavar="TIME", help="a past time, ISO 8601 UTC (e.g. 2026-11-25T14:00Z)")
    when.add_argument("--forecast", action="store_true", help="the forecast from now")
    p.add_argument("--hours", metavar="H", help="forecast hours to show (default 24)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def provider_from(args: argparse.Namespace) -> Any:
    """The provider named by --provider, else the configured one, else the tables."""
    from carbonest import inputs
    from carbonest.intensity.providers import PROVIDERS, make_provider

    name = args.provider
    if name is None:
        from carbonest.config import load_settings

        name = load_settings().intensity_provider or "table"
    name = inputs.choice("provider", name, PROVIDERS)
    basis = inputs.choice("basis", args.basis, ("lifecycle", "direct", "marginal")) if args.basis else None
    return make_provider(name, basis=basis)


def run(args: argparse.Namespace) -> int:
    """Run ``carbonest intensity``."""
    from carbonest.errors import InvalidInputError
    from carbonest.intensity.timefmt import parse_duration_h, parse_utc

    provider = provider_from(args)
    if args.hours is not None and not args.forecast:
        raise InvalidInputError("hours: only with --forecast", field="hours")
    if args.forecast:
        if not provider.live:
            raise InvalidInputError("forecast: the shipped tables hold yearly averages and make no forecast; "
                                    "choose --provider electricitymaps, watttime or uk", field="forecast")
        hours = parse_duration_h(args.hours, "hours") if args.hours is not None else 24.0
        figures = provider.forecast(args.region, hours)
        if args.json:
            print_json({"region": args.region, "provider": provider.name, "basis": provider.basis,
                        "forecast": [g.to_dict() for g in figures]})
        else:
            sys.stdout.write(_render_series(args.region, provider, figures))
        return 0
    at = parse_utc(args.at, "at") if args.at is not None else None
    figure = provider.intensity(args.region, at)
    if args.json:
        print_json({"provider": provider.name, **figure.to_dict()})
    else:
        sys.stdout.write(_render_one(provider, figure, at))
    return 0


def _basis(g: Any) -> str:
    from carbonest.intensity.base import BASIS_KINDS

    basis = g.basis or "n/a"
    return f"{basis}, {BASIS_KINDS.get(basis, 'average')}"


def _render_one(provider: Any, g: Any, at: Any) -> str:
    region = g.region
    when = "yearly average" if g.timestamp is None else f"for {g.timestamp}, {(g.period_s or 0) / 60:g} min"
    if g.forecast:
        when += " (forecast)"
    lines = [f"{region.name} [{region.id}]: {g.intensity_g_per_kwh:.4g} g CO2e/kWh ({_basis(g)}), {when}"]
    if g.timestamp is None and at is not None:
        lines.append("  the shipped tables hold a yearly average: the same figure at every hour")
    lines.append(f"  source: {g.provenance.label}")
    if region.basis:
        lines.append(f"  basis:  {region.basis}")
    return "\n".join(lines) + "\n"


def _render_series(region: str, provider: Any, figures: list[Any]) -> str:
    head = figures[0].region if figures else None
    name = f"{head.name} [{head.id}]" if head is not None else region
    lines = [f"{name}: {provider.name} forecast, g CO2e/kWh ({provider.basis})"]
    for g in figures:
        lines.append(f"  {g.timestamp}  {g.intensity_g_per_kwh:>8.4g}")
    if figures:
        lines.append(f"  source: {figures[0].provenance.label}")
    return "\n".join(lines) + "\n"
