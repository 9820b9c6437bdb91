"""A model card's ``co2_eq_emissions`` metadata from a run record.

The Hugging Face Hub reads five fields of a card's front matter under ``co2_eq_emissions``
(the Hub documentation, "Displaying carbon emissions for your model"): ``emissions`` (grams
of CO2 equivalent), ``source``, ``training_type`` ("pre-training" or "fine-tuning"),
``geographical_location`` and ``hardware_used``. :func:`co2_eq_emissions` builds that block
from a stored or finished run; :func:`block_yaml` prints it for a card written by hand
(``carbonest runs card RUN_ID``); :func:`update_card` writes it into an existing ``README.md``
through ``huggingface_hub``'s ``ModelCard`` (a local file: nothing is downloaded), keeping the
rest of the card.

A run with no measured emissions has no block: :class:`~carbonest.errors.CarbonestError` says
so, rather than a card claiming 0 g.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from carbonest.errors import CarbonestError, InvalidInputError

FIELD = "co2_eq_emissions"
TRAINING_TYPES = ("pre-training", "fine-tuning")
_HARDWARE = ("gpu", "cpu", "dram")


def co2_eq_emissions(
    record: Any, *, training_type: str | None = None, hardware_used: str | None = None,
    geographical_location: str | None = None, co2e_kg: float | None = None, hosts: int = 1,
) -> dict[str, Any]:
    """The ``co2_eq_emissions`` block of a model card for one run.

    Args:
        record: A :class:`~carbonest.RunRecord` or its ``to_dict()`` (what the store returns).
        training_type: ``"pre-training"`` or ``"fine-tuning"``; left out when not given.
        hardware_used: Instead of the hardware the record names.
        geographical_location: Instead of the record's region name.
        co2e_kg: Emissions instead of the record's: the sum over the hosts of a multi-host job,
            which the Hugging Face and Lightning callbacks pass. Units: kg CO2e.
        hosts: How many hosts ``co2e_kg`` covers (named in ``hardware_used``).

    Returns:
        ``emissions`` in grams (Units: g CO2e), ``source``, ``geographical_location``,
        ``hardware_used`` and, when given, ``training_type``.

    Raises:
        CarbonestError: The run has no measured emissions (nothing could be measured).
        InvalidInputError: A ``training_type`` other than the two the Hub knows.
    """
    rec = record.to_dict() if hasattr(record, "to_dict") else dict(record)
    kg = co2e_kg if co2e_kg is not None else rec.get("co2e_kg")
    if kg is None:
        raise CarbonestError(f"run {str(rec.get('run_id', ''))[:12]} has no measured emissions "
                             "(nothing could be measured): a model card would have no figure to show")
    block: dict[str, Any] = {
        "emissions": float(kg) * 1000.0,
        "source": _source(rec),
        "geographical_location": geographical_location or _location(rec),
        "hardware_used": hardware_used or _hardware(rec, hosts),
    }
    if training_type is not None:
        if training_type not in TRAINING_TYPES:
            raise InvalidInputError(f"training_type: must be one of {', '.join(TRAINING_TYPES)}, "
                                    f"got {training_type!r}", field="training_type")
        block["training_type"] = training_type
    return block


def _source(rec: Mapping[str, Any]) -> str:
    """carbonest, the run, how each component was counted and the intensity's origin."""
    parts = []
    for name, comp in (rec.get("components") or {}).items():
        kind = str((comp or {}).get("provenance", "")).split(":", 1)[0] or "unknown"
        parts.append(f"{name} {kind}")
    region = rec.get("region") or {}
    basis = str(region.get("basis") or "").replace(",", " ").split(" ", 1)[0]
    intensity = rec.get("intensity_g_per_kwh")
    grid = f"{intensity:.4g} g CO2e/kWh" if isinstance(intensity, (int, float)) else "intensity unknown"
    grid += f" ({', '.join(str(x) for x in (region.get('id'), basis, region.get('year')) if x)})"
    pue = rec.get("pue")
    version = rec.get("carbonest_version") or ""
    return (f"carbonest {version}".strip() + f", run {str(rec.get('run_id', ''))[:12]}: "
            + (", ".join(parts) or "no component measured") + f"; {grid}"
            + (f"; PUE {pue:g}" if isinstance(pue, (int, float)) else ""))


def _location(rec: Mapping[str, Any]) -> str:
    region = rec.get("region") or {}
    if region.get("kind") == "world":
        return "not given (the world-average carbon intensity was used)"
    if region.get("kind") == "custom":
        return "not given (a carbon intensity was given instead of a region)"
    return f"{region.get('name') or region.get('id')} ({region.get('id')})"


def _hardware(rec: Mapping[str, Any], hosts: int) -> str:
    out = []
    comps = rec.get("components") or {}
    for name in _HARDWARE:
        comp = comps.get(name)
        if not comp or name == "dram":
            continue
        models = ", ".join(str(m) for m in comp.get("models") or ()) or name.upper()
        out.append(f"{comp.get('count', 1)} x {models}")
    text = "; ".join(out) or "not measured"
    return f"{text} per host, {hosts} hosts" if hosts > 1 else text


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, float):
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        if "." not in mantissa and mantissa not in ("inf", "nan"):
            mantissa += ".0"  # YAML 1.1 (PyYAML) reads "1e-05" as a string, "1.0e-05" as a float
        return mantissa + (f"e{exponent if exponent[0] in '+-' else '+' + exponent}" if exponent else "")
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def block_yaml(block: Mapping[str, Any]) -> str:
    """The block as YAML for a card's front matter (``co2_eq_emissions:`` and its fields)."""
    lines = [f"{FIELD}:"] + [f"  {key}: {_yaml_scalar(value)}" for key, value in block.items()]
    return "\n".join(lines) + "\n"


def update_card(path: str | os.PathLike[str], block: Mapping[str, Any]) -> None:
    """Write ``block`` into the metadata of the model card at ``path``, keeping the rest of it.

    Through ``huggingface_hub.ModelCard`` on the local file (offline; nothing is downloaded). A
    card without front matter gets one.

    Raises:
        InvalidInputError: ``path`` is not an existing file (field ``path``).
        CarbonestError: huggingface_hub is not installed, or the card cannot be read or written.
    """
    if not os.path.isfile(path):
        # ModelCard.load would take a missing file's name for a Hub repository and download it
        raise InvalidInputError(f"path: no such model card file {os.fspath(path)!r}", field="path")
    try:
        from huggingface_hub import ModelCard
    except ImportError:
        raise CarbonestError('writing a model card needs huggingface_hub: pip install "carbonest[huggingface]"') from None
    try:
        card = ModelCard.load(os.fspath(path))
        card.data[FIELD] = dict(block)
        card.save(path)  # the text around the front matter is kept as it was, newlines included
    except OSError as exc:
        raise CarbonestError(f"cannot update the model card {os.fspath(path)!r}: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 - huggingface_hub's and yaml's: front matter that is not a mapping
        raise CarbonestError(f"cannot update the model card {os.fspath(path)!r}: {exc}") from None
