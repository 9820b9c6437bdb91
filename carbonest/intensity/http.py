"""The one HTTP boundary of the live intensity providers (layer L5).

Every request a provider makes goes through :func:`get_json`, which:

* imports ``requests`` here, inside the function (``import carbonest`` never does);
* sets a timeout on every request (connect and read);
* retries a 429 or a 5xx answer, and a connection failure, with exponential backoff,
  honouring ``Retry-After`` (seconds or an HTTP date) up to ``max_wait_s``;
* translates every failure into one :class:`~carbonest.errors.ProviderError` whose
  ``reason`` is one line (``HTTP 401: Invalid auth-token``, ``timed out after 5 s``,
  ``malformed answer (not JSON)``), with any secret of the request removed from it;
* never logs, and never puts a header or a credential in a message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from carbonest.errors import ProviderError

__all__ = ["HttpSettings", "get_json", "redact"]


class HttpSettings(NamedTuple):
    """How patient a provider's requests are.

    Attributes:
        timeout_s: Connect and read timeout of one request. Units: s.
        retries: Further tries after a 429, a 5xx or a connection failure.
        backoff_s: First wait between tries, doubled each time (unless Retry-After says). Units: s.
        max_wait_s: Longest single wait, Retry-After included (a longer one fails at once). Units: s.
    """

    timeout_s: float = 5.0
    retries: int = 2
    backoff_s: float = 0.5
    max_wait_s: float = 30.0


def redact(text: str, secrets: Sequence[str | None]) -> str:
    """``text`` with every non-empty secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _error_text(body: Any) -> str | None:
    """The message of an error body: ``{"error": "..."}``, ``{"error": {"message": ...}}``, ``{"message": ...}``."""
    if not isinstance(body, dict):
        return None
    err = body.get("error")
    if isinstance(err, dict):
        err = err.get("message") or err.get("code")
    message = body.get("message")
    parts = [str(p) for p in (err, message) if p]
    return ": ".join(parts)[:200] if parts else None


def _retry_after_s(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    from carbonest.intensity.timefmt import now_utc

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now_utc()).total_seconds())


def _status_reason(status: int, resp: Any) -> str:
    try:
        text = _error_text(resp.json())
    except ValueError:
        text = None
    what = {401: "not authorised (check the key)", 403: "forbidden (check the key or the plan)",
            404: "not found (unknown zone or region?)", 429: "rate limited"}.get(status)
    if what is None:
        what = "server error" if status >= 500 else "refused"
    return f"HTTP {status}: {text}" if text else f"HTTP {status}: {what}"


def get_json(provider: str, url: str, *, params: Mapping[str, Any] | None = None,
             headers: Mapping[str, str] | None = None, auth: tuple[str, str] | None = None,
             settings: HttpSettings = HttpSettings(), secrets: Sequence[str | None] = (),
             wait: Callable[[float], Any] | None = None) -> Any:
    """GET ``url`` and return its JSON body; every failure a :class:`ProviderError`.

    Args:
        provider: The provider's name, for the error message.
        url: The full URL.
        params: Query parameters.
        headers: Request headers (a key goes here; it is never echoed).
        auth: HTTP Basic credentials.
        settings: Timeouts, retries and backoff.
        secrets: Strings to remove from any error message (keys, passwords, tokens).
        wait: How to wait between tries (default: an Event's wait, so no ``time.sleep``).
    """
    import requests

    pause = wait if wait is not None else threading.Event().wait
    secret_list = [*secrets, *(auth or ())]
    delay = settings.backoff_s
    for attempt in range(settings.retries + 1):
        last = attempt == settings.retries
        try:
            resp = requests.get(url, params=params, headers=dict(headers or {}), auth=auth,
                                timeout=(settings.timeout_s, settings.timeout_s))
        except requests.Timeout:
            raise _fail(provider, f"timed out after {settings.timeout_s:g} s", None, secret_list) from None
        except requests.RequestException as exc:
            if last:
                raise _fail(provider, f"cannot connect ({type(exc).__name__})", None, secret_list) from None
            pause(delay)
            delay *= 2
            continue
        status = resp.status_code
        if status == 429 or status >= 500:
            after = _retry_after_s(resp.headers.get("Retry-After"))
            sleep_s = delay if after is None else after
            if last or sleep_s > settings.max_wait_s:
                raise _fail(provider, _status_reason(status, resp), status, secret_list)
            pause(sleep_s)
            delay *= 2
            continue
        if status >= 400:
            raise _fail(provider, _status_reason(status, resp), status, secret_list)
        try:
            return resp.json()
        except ValueError:
            raise _fail(provider, "malformed answer (not JSON)", status, secret_list) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _fail(provider: str, reason: str, status: int | None, secrets: Sequence[str | None]) -> ProviderError:
    reason = redact(reason, secrets)
    return ProviderError(f"{provider}: {reason}", provider=provider, reason=reason, status=status)


def malformed(provider: str, what: str) -> ProviderError:
    """The error of an answer that parsed as JSON but lacks what the provider needs."""
    return ProviderError(f"{provider}: malformed answer ({what})", provider=provider,
                         reason=f"malformed answer ({what})")
