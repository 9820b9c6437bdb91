"""Choosing and building an intensity provider by name, with its keys and URLs (layer L5).

Names: ``table`` (the shipped yearly tables: offline, the default and always the
fallback), ``electricitymaps``, ``watttime``, ``uk``.

Keys and URLs, highest precedence first: carbonest's own environment name, the
vendor's usual name, the config file key::

    Electricity Maps key   CARBONEST_ELECTRICITYMAPS_TOKEN, ELECTRICITYMAPS_API_KEY, electricitymaps_token
    WattTime account       CARBONEST_WATTTIME_USERNAME / _PASSWORD, WATTTIME_USERNAME / _PASSWORD,
                           watttime_username / watttime_password
    base URLs              CARBONEST_ELECTRICITYMAPS_URL, CARBONEST_WATTTIME_URL, CARBONEST_WATTTIME_LOGIN_URL,
                           CARBONEST_UK_URL (config: electricitymaps_url, watttime_url, watttime_login_url, uk_url)
    timeout                CARBONEST_INTENSITY_TIMEOUT_S (config: intensity_timeout_s; default 5 s)
    cache                  CARBONEST_INTENSITY_CACHE=off disables the on-disk cache

A key is only ever sent to its provider: never logged, printed, stored or put in a record.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from carbonest.errors import InvalidInputError
from carbonest.intensity.base import IntensityProvider

__all__ = ["DEFAULT_BASES", "PROVIDERS", "make_provider"]

PROVIDERS = ("table", "electricitymaps", "watttime", "uk")
DEFAULT_BASES = {"table": "lifecycle", "electricitymaps": "lifecycle", "watttime": "marginal", "uk": "direct"}


def _first(env: Mapping[str, str], conf: Mapping[str, Any], names: tuple[str, ...], key: str) -> Any:
    for name in names:
        if env.get(name, "").strip():
            return env[name].strip()
    return conf.get(key)


def make_provider(name: str, *, basis: str | None = None, environ: Mapping[str, str] | None = None,
                  settings: Any = None, **options: Any) -> IntensityProvider:
    """The provider called ``name``, configured from the environment and the config file.

    Args:
        name: One of :data:`PROVIDERS`.
        basis: The basis of its answers (default: the provider's, :data:`DEFAULT_BASES`).
        environ: The environment (default ``os.environ``).
        settings: :class:`carbonest.config.Settings` (default: loaded now).
        options: Passed to the provider (``base_url``, ``http``, ``cache``...), over the configuration.

    Raises:
        InvalidInputError: an unknown name (``intensity_provider``) or a basis it does not give.
    """
    from carbonest import inputs

    name = inputs.choice("intensity_provider", name, PROVIDERS)
    basis = basis or DEFAULT_BASES[name]
    if name == "table":
        from carbonest.intensity.table import TableProvider

        return TableProvider(basis)
    env = os.environ if environ is None else environ
    if settings is None:
        from carbonest.config import load_settings

        settings = load_settings(env)
    conf = dict(settings.intensity)
    from carbonest.intensity.cache import Cache
    from carbonest.intensity.http import HttpSettings

    timeout = _first(env, conf, ("CARBONEST_INTENSITY_TIMEOUT_S",), "intensity_timeout_s")
    opts: dict[str, Any] = {}
    if timeout is not None:
        opts["http"] = HttpSettings(timeout_s=inputs.positive("intensity_timeout_s", timeout))
    if env.get("CARBONEST_INTENSITY_CACHE", "").strip().lower() in ("off", "0", "no", "false"):
        opts["cache"] = Cache(enabled=False)
    url = _first(env, conf, (f"CARBONEST_{name.upper()}_URL",), f"{name}_url")
    if url:
        opts["base_url"] = url
    opts.update(options)
    if name == "electricitymaps":
        from carbonest.intensity.electricitymaps import ElectricityMapsProvider

        token = _first(env, conf, ("CARBONEST_ELECTRICITYMAPS_TOKEN", "ELECTRICITYMAPS_API_KEY"),
                       "electricitymaps_token")
        return ElectricityMapsProvider(token, basis=basis, **opts)
    if name == "watttime":
        from carbonest.intensity.watttime import WattTimeProvider

        user = _first(env, conf, ("CARBONEST_WATTTIME_USERNAME", "WATTTIME_USERNAME"), "watttime_username")
        password = _first(env, conf, ("CARBONEST_WATTTIME_PASSWORD", "WATTTIME_PASSWORD"), "watttime_password")
        login = _first(env, conf, ("CARBONEST_WATTTIME_LOGIN_URL",), "watttime_login_url")
        if login and "login_url" not in opts:
            opts["login_url"] = login
        return WattTimeProvider(user, password, basis=basis, **opts)
    if name == "uk":
        from carbonest.intensity.uk import UKProvider

        return UKProvider(basis=basis, **opts)
    raise InvalidInputError(f"intensity_provider: unknown provider {name!r}", field="intensity_provider")  # pragma: no cover
