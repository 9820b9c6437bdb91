"""Which run store a spec names: a ``postgresql://`` URL, a SQLite file, or the default.

One set of rules for the tracker (``store=``), the CLI (``--store``) and the readers
(``carbonest.runs()``, ``carbonest runs``):

1. the spec given (``store=``, ``--store``): a ``postgresql://`` (or ``postgres://``) URL
   names a :class:`~carbonest.store.postgres.PostgresStore`, anything else a SQLite file;
2. else ``$CARBONEST_STORE``, by the same rule;
3. else the default SQLite file (``$CARBONEST_HOME/runs.sqlite`` or the user data dir).

Only this module and the PostgreSQL store know that PostgreSQL exists; nothing here imports
psycopg (an installed driver is checked with ``importlib.util.find_spec``), so the tracker's
start on SQLite pays nothing for it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from carbonest.errors import InvalidInputError

if TYPE_CHECKING:
    from carbonest.store.base import RunStore

ENV_STORE: Final = "CARBONEST_STORE"
"""Environment variable naming the run store: a ``postgresql://`` URL or a SQLite file path."""

URL_SCHEMES: Final = ("postgresql", "postgres")
"""URL schemes that name a PostgreSQL store (as libpq accepts them)."""


def is_postgres_url(spec: object) -> bool:
    """Whether ``spec`` is a ``postgresql://`` (or ``postgres://``) URL."""
    return isinstance(spec, str) and "://" in spec and spec.split(":", 1)[0].lower() in URL_SCHEMES


def redact_url(url: str) -> str:
    """``url`` with its password (user info or ``password=`` parameter) shown as ``***``.

    What every message, ``repr`` and record shows of a store URL; the password never appears.
    """
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, host = netloc.rsplit("@", 1)
            if ":" in userinfo:
                userinfo = userinfo.split(":", 1)[0] + ":***"
            netloc = f"{userinfo}@{host}"
        query = parts.query
        if query:
            pairs = [(k, "***" if k.lower() == "password" else v)
                     for k, v in parse_qsl(query, keep_blank_values=True)]
            query = urlencode(pairs, safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:  # not parseable at all: show only the scheme
        return url.split(":", 1)[0] + "://***"


def secrets_in(url: str) -> list[str]:
    """The password text(s) in ``url``, to scrub from any message a driver writes."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    found: list[str] = []
    try:
        parts = urlsplit(url)
    except ValueError:
        return found
    if parts.password:
        found += [parts.password, unquote(parts.password)]
    found += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() == "password" and v]
    return sorted({s for s in found if s}, key=len, reverse=True)


def store_spec(spec: object = None, *, field: str = "store", environ: Mapping[str, str] | None = None,
               check_driver: bool = True) -> tuple[str | None, str]:
    """The store asked for, checked: (URL or path or None for the default, who asked).

    ``who`` is ``field`` for a spec given, :data:`ENV_STORE` for the environment's, and
    ``"default"`` otherwise.

    Raises:
        InvalidInputError: A spec that is neither a string nor a path, an empty one, or a
            ``postgresql://`` URL without psycopg installed (naming ``field`` or the variable).
    """
    env = os.environ if environ is None else environ
    who = field
    if spec is None:
        value = env.get(ENV_STORE, "").strip()
        if not value:
            return None, "default"
        spec, who = value, ENV_STORE
    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidInputError(
            f"{who}: must be a postgresql:// URL or a SQLite file path, got {spec!r}", field=who)
    if is_postgres_url(spec):
        import importlib.util

        if check_driver and importlib.util.find_spec("psycopg") is None:
            raise InvalidInputError(
                f"{who}: {redact_url(spec)} is a PostgreSQL store, which needs psycopg 3: "
                "pip install 'carbonest[postgresql]'", field=who)
    elif spec.split(":", 1)[0].lower() in ("postgres", "postgresql", "pg", "psql"):
        raise InvalidInputError(
            f"{who}: {redact_url(spec)!r} is not a URL; a PostgreSQL store is "
            "postgresql://USER@HOST:PORT/DBNAME", field=who)
    return str(spec), who


def open_store(spec: object = None, *, field: str = "store") -> RunStore:
    """The run store ``spec`` names (see the module rules), opened for writing (lazily)."""
    value, _ = store_spec(spec, field=field)
    return _build(value, read_only=False)


def open_for_reading(spec: object = None, *, field: str = "store") -> RunStore:
    """The run store opened read-only; nothing is created (no file, no table).

    A SQLite file named (by ``field`` or :data:`ENV_STORE`) that does not exist is an
    :class:`InvalidInputError` naming who named it (a typo must not look like an empty store);
    the default file not existing yet means no run was kept: an empty store. A PostgreSQL
    database without carbonest's tables reads as empty.
    """
    value, who = store_spec(spec, field=field)
    if value is not None and not is_postgres_url(value) and os.path.isdir(value):
        # a mistyped flag or argument, not a broken store (a usage error, docs/cli.md)
        raise InvalidInputError(f"{who}: {value!r} is a folder, not a run store file", field=who)
    store = _build(value, read_only=True)
    path = getattr(store, "path", None)
    if path is None or str(path) == ":memory:" or path.exists():
        return store
    if who != "default":
        raise InvalidInputError(f"{who}: the run store {str(path)!r} does not exist", field=who)
    from carbonest.store.memory import MemoryStore

    return MemoryStore()


def describe(spec: object = None, *, field: str = "store") -> str:
    """What the store is, safe to print: the URL with its password hidden, or the file path."""
    value, _ = store_spec(spec, field=field, check_driver=False)
    if value is None:
        from carbonest.store.paths import default_store_path

        return str(default_store_path())
    return redact_url(value) if is_postgres_url(value) else value


def _build(value: str | None, *, read_only: bool) -> RunStore:
    if value is not None and is_postgres_url(value):
        from carbonest.store.postgres import PostgresStore

        return PostgresStore(value, read_only=read_only)
    from carbonest.store.sqlite import SQLiteStore

    return SQLiteStore(value, read_only=read_only)


__all__ = [
    "ENV_STORE", "URL_SCHEMES", "describe", "is_postgres_url", "open_for_reading", "open_store", "redact_url",
    "secrets_in", "store_spec",
]
