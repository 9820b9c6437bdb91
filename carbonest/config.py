"""Settings from the environment and the optional config file.

Precedence, highest first: an explicit argument (``track(region=...)``,
``--region``) > environment variables > the config file > built-in defaults.

Environment:
    CARBONEST_REGION     grid region id or name, e.g. ``CA-QC`` or ``aws:us-east-1``
    CARBONEST_PUE        power usage effectiveness
    CARBONEST_BASIS      basis of a region's carbon intensity: ``lifecycle`` (default) or ``direct``
    CARBONEST_HOME       folder of the run store and of ``config.toml``
    CARBONEST_CONFIG     path of a config file, instead of ``$CARBONEST_HOME/config.toml``
    CARBONEST_INTENSITY_PROVIDER  a live carbon-intensity provider for measured runs:
                         ``electricitymaps``, ``watttime`` or ``uk`` (default: the shipped tables);
                         its keys and URLs: see :mod:`carbonest.intensity.providers`

Config file (TOML; ``tomllib`` on Python >= 3.11, the ``tomli`` dependency on 3.10)::

    region = "CA-QC"
    basis = "lifecycle"
    pue = 1.2
    wue_l_per_kwh = 1.8
    interval_s = 1.0
    flush_interval_s = 10.0
    intensity_provider = "electricitymaps"   # and the keys of carbonest.intensity.providers

The file is validated with pydantic (imported only when a file exists, so the
tracker's start stays fast without one). Unknown keys are an error naming the
file and the key (``/path/config.toml: pue: ...``); so are bad values, and a
value of the wrong type (``interval_s = true``, ``pue = "1.2"``). An invalid
environment variable is an error naming it (``CARBONEST_PUE: ...``).

Once per process: the file is parsed the first time settings are loaded, and
again only when its content changes. An invalid file on that first load raises
(at ``start()``, before any training); a later edit that makes it invalid is a
``RuntimeWarning`` naming the file and key, and the last good settings read
from it stay in force, so a run started in epoch 2 of a training loop never
crashes over an edited file. A ``CARBONEST_CONFIG`` naming no file, a config
path that is a folder and a link to a missing file are warned about (once per
process) and no file is read.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from carbonest._values import FrozenValue
from carbonest import inputs
from carbonest.errors import InvalidInputError


@dataclass(init=False, repr=False, eq=False)
class Settings(FrozenValue):
    """Resolved settings and where each came from (``env:NAME``, ``config:PATH``)."""

    region: str | None = None
    region_origin: str | None = None
    basis: str | None = None
    basis_origin: str | None = None
    pue: float | None = None
    pue_origin: str | None = None
    wue_l_per_kwh: float | None = None
    interval_s: float | None = None
    flush_interval_s: float | None = None
    intensity_provider: str | None = None
    intensity_provider_origin: str | None = None
    intensity: tuple[tuple[str, Any], ...] = ()
    """The live providers' keys and URLs from the config file (:data:`INTENSITY_KEYS`); never printed."""

    def __init__(
        self, region: str | None = None, region_origin: str | None = None, basis: str | None = None,
        basis_origin: str | None = None, pue: float | None = None, pue_origin: str | None = None,
        wue_l_per_kwh: float | None = None, interval_s: float | None = None,
        flush_interval_s: float | None = None, intensity_provider: str | None = None,
        intensity_provider_origin: str | None = None, intensity: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        object.__setattr__(self, "region", region)
        object.__setattr__(self, "region_origin", region_origin)
        object.__setattr__(self, "basis", basis)
        object.__setattr__(self, "basis_origin", basis_origin)
        object.__setattr__(self, "pue", pue)
        object.__setattr__(self, "pue_origin", pue_origin)
        object.__setattr__(self, "wue_l_per_kwh", wue_l_per_kwh)
        object.__setattr__(self, "interval_s", interval_s)
        object.__setattr__(self, "flush_interval_s", flush_interval_s)
        object.__setattr__(self, "intensity_provider", intensity_provider)
        object.__setattr__(self, "intensity_provider_origin", intensity_provider_origin)
        object.__setattr__(self, "intensity", intensity)


INTENSITY_KEYS = ("electricitymaps_token", "electricitymaps_url", "watttime_username", "watttime_password",
                  "watttime_url", "watttime_login_url", "uk_url", "intensity_timeout_s")
"""Config-file keys of the live intensity providers (read by :mod:`carbonest.intensity.providers`)."""


def config_path(environ: Mapping[str, str]) -> str | None:
    """Where the config file would be (no pathlib: it is on the tracker's start path): CARBONEST_CONFIG, else $CARBONEST_HOME/config.toml, else the user config dir."""
    if environ.get("CARBONEST_CONFIG"):
        return environ["CARBONEST_CONFIG"]
    if environ.get("CARBONEST_HOME"):
        return os.path.join(environ["CARBONEST_HOME"], "config.toml")
    if sys.platform.startswith("linux"):  # what platformdirs answers there, without importing it
        base = environ.get("XDG_CONFIG_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".config")
        return os.path.join(base, "carbonest", "config.toml")
    try:
        from platformdirs import user_config_dir
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        return None
    return os.path.join(user_config_dir("carbonest"), "config.toml")


_NUMBER_KEYS = ("pue", "wue_l_per_kwh", "interval_s", "flush_interval_s", "intensity_timeout_s")
_TEXT_KEYS = ("region", "basis", "intensity_provider") + tuple(k for k in INTENSITY_KEYS if k != "intensity_timeout_s")

_lock = threading.Lock()
_last_good: dict[str, tuple[bytes, dict[str, Any]]] = {}  # path -> (content, validated values)
_warned: set[str] = set()


def _warn_once(message: str) -> None:
    with _lock:
        if message in _warned:
            return
        _warned.add(message)
    warnings.warn(f"carbonest: {message}", RuntimeWarning, stacklevel=4)


def _file_values(path: str, explicit: bool) -> dict[str, Any]:
    """The validated settings of the config file at ``path`` ({} if there is none to read).

    ``explicit``: the path came from CARBONEST_CONFIG (its absence is then worth a warning).
    """
    if os.path.isdir(path):
        _warn_once(f"{path} is a folder, not a config file; no config file is read")
        return {}
    if not os.path.exists(path):
        if os.path.islink(path):
            _warn_once(f"{path} is a link to a missing file ({os.readlink(path)}); no config file is read")
        elif explicit:
            _warn_once(f"CARBONEST_CONFIG names {path}, which does not exist; no config file is read")
        return {}
    try:
        with open(path, "rb") as fh:
            content = fh.read()
    except OSError as exc:
        return _invalid(path, InvalidInputError(f"{path}: cannot read: {exc.strerror or exc}", field="config"))
    with _lock:
        cached = _last_good.get(path)
    if cached is not None and cached[0] == content:
        return dict(cached[1])
    try:
        values = _parse(path, content)
    except InvalidInputError as exc:
        return _invalid(path, exc)
    with _lock:
        _last_good[path] = (content, values)
    return dict(values)


def _invalid(path: str, exc: InvalidInputError) -> dict[str, Any]:
    """Raise on the first load; once a good version was read, warn and keep it."""
    with _lock:
        cached = _last_good.get(path)
    if cached is None:
        raise exc
    _warn_once(f"{exc}; the settings last read from it are kept")
    return dict(cached[1])


def _parse(path: str, content: bytes) -> dict[str, Any]:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            raise InvalidInputError(
                f"{path}: needs Python >= 3.11 or the 'tomli' package to be read", field="config"
            ) from None
    try:
        raw = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(f"{path}: not valid TOML: {exc}", field="config") from None
    for key, value in raw.items():  # pydantic's lax mode would take true as 1.0 and "1.2" as 1.2
        if key in _NUMBER_KEYS and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise InvalidInputError(f"{path}: {key}: must be a number, got {value!r}", field="config")
        if key in _TEXT_KEYS and not isinstance(value, str):
            raise InvalidInputError(f"{path}: {key}: must be a string, got {value!r}", field="config")
    return _validate(raw, path)


def _validate(raw: dict[str, Any], path: str) -> dict[str, Any]:
    from typing import Literal

    from pydantic import BaseModel, ConfigDict, ValidationError, confloat

    class ConfigFile(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)
        region: str | None = None
        basis: Literal["lifecycle", "direct"] | None = None
        pue: confloat(ge=1.0, le=inputs.MAX_PUE, allow_inf_nan=False) | None = None  # type: ignore[valid-type]
        wue_l_per_kwh: confloat(ge=0.0, allow_inf_nan=False) | None = None  # type: ignore[valid-type]
        interval_s: confloat(ge=0.01, allow_inf_nan=False) | None = None  # type: ignore[valid-type]
        flush_interval_s: confloat(gt=0.0, allow_inf_nan=False) | None = None  # type: ignore[valid-type]
        intensity_provider: Literal["table", "electricitymaps", "watttime", "uk"] | None = None
        electricitymaps_token: str | None = None
        electricitymaps_url: str | None = None
        watttime_username: str | None = None
        watttime_password: str | None = None
        watttime_url: str | None = None
        watttime_login_url: str | None = None
        uk_url: str | None = None
        intensity_timeout_s: confloat(gt=0.0, allow_inf_nan=False) | None = None  # type: ignore[valid-type]

    try:
        return ConfigFile(**raw).model_dump(exclude_none=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInputError(f"{path}: {where}: {first['msg']}", field="config") from None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, then the config file if there is one."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    path = config_path(env)
    if path is not None:
        for key, value in _file_values(path, explicit=bool(env.get("CARBONEST_CONFIG"))).items():
            values[key], origins[key] = value, f"config:{path}"
    if env.get("CARBONEST_REGION", "").strip():
        values["region"], origins["region"] = env["CARBONEST_REGION"].strip(), "env:CARBONEST_REGION"
    if env.get("CARBONEST_BASIS", "").strip():
        values["basis"] = inputs.choice("CARBONEST_BASIS", env["CARBONEST_BASIS"], ("lifecycle", "direct"))
        origins["basis"] = "env:CARBONEST_BASIS"
    if env.get("CARBONEST_PUE", "").strip():
        values["pue"] = inputs.pue("CARBONEST_PUE", env["CARBONEST_PUE"])
        origins["pue"] = "env:CARBONEST_PUE"
    if env.get("CARBONEST_INTENSITY_PROVIDER", "").strip():
        values["intensity_provider"] = inputs.choice(
            "CARBONEST_INTENSITY_PROVIDER", env["CARBONEST_INTENSITY_PROVIDER"].strip(),
            ("table", "electricitymaps", "watttime", "uk"))
        origins["intensity_provider"] = "env:CARBONEST_INTENSITY_PROVIDER"
    return Settings(
        region=values.get("region"), region_origin=origins.get("region"),
        basis=values.get("basis"), basis_origin=origins.get("basis"),
        pue=values.get("pue"), pue_origin=origins.get("pue"),
        wue_l_per_kwh=values.get("wue_l_per_kwh"),
        interval_s=values.get("interval_s"), flush_interval_s=values.get("flush_interval_s"),
        intensity_provider=values.get("intensity_provider"),
        intensity_provider_origin=origins.get("intensity_provider"),
        intensity=tuple((k, values[k]) for k in INTENSITY_KEYS if k in values),
    )
