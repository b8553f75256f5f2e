"""Shared HTTP helpers for adapters: base-URL checks, JSON parsing and error mapping."""

from __future__ import annotations

import email.utils
import ipaddress
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from studio.providers.base import ProviderError

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}

# One line a user can act on, per HTTP status.
_FRIENDLY = {
    400: "the provider rejected the request",
    401: "the provider refused the key: check it in Settings",
    402: "the account is out of credits: add credits with the provider",
    403: "the key is not allowed to use this model or endpoint",
    404: "the provider does not know this endpoint or job",
    408: "the provider timed out",
    413: "the request is too large for the provider",
    422: "the provider rejected a parameter",
    429: "rate limited by the provider",
}


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """Accept https anywhere, plain http only on loopback (the sandbox, a local server)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base URL {url!r} must be an http(s) URL")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError(
            f"base URL {url!r}: plain http is only allowed for loopback hosts; use https"
        )
    return url.rstrip("/")


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as seconds (delta or HTTP date), also retry-after-ms."""
    ms = response.headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def _body_retry_after(response: httpx.Response) -> float | None:
    """The wait an API puts in its JSON error body as `retry_after` seconds."""
    try:
        value = response.json().get("retry_after")
    except (ValueError, AttributeError):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def parse_json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        snippet = response.text[:80].replace("\n", " ") if response.content else "<empty>"
        raise ProviderError(
            f"{what}: the provider sent a malformed response (HTTP {response.status_code}: "
            f"{snippet!r})",
            status=response.status_code,
            code="malformed_response",
            retryable=True,
        ) from None


def json_object(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one: for optional nested fields."""
    return value if isinstance(value, dict) else {}


def error_detail(response: httpx.Response) -> str:
    """The provider's own words about an error, from the usual JSON shapes."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:200].strip()
    if isinstance(body, dict):
        issues = body.get("issues")
        if body.get("error") and isinstance(issues, list) and issues:
            # Runway: "Validation of body failed" plus the fields that failed.
            return f"{body['error']}: " + "; ".join(_describe_issue(i) for i in issues[:5])
        details = body.get("details")
        if isinstance(body.get("message"), str) and isinstance(details, list):
            # {error: code, message, details: [{field, message}]}: the words and the fields.
            said = [body["message"], *(_describe_issue(d) for d in details[:5])]
            return ": ".join(filter(None, [said[0], "; ".join(said[1:])]))
        for key in ("detail", "error", "message", "errors", "failure", "issues", "name"):
            if body.get(key):
                value = body[key]
                if isinstance(value, list):
                    return "; ".join(_describe_issue(v) for v in value[:5])
                if isinstance(value, dict):
                    return str(value.get("message") or value)
                return str(value)
    return str(body)[:200]


def _describe_issue(issue: Any) -> str:
    if isinstance(issue, dict):
        loc = issue.get("loc") or issue.get("path") or issue.get("field")
        msg = issue.get("msg") or issue.get("message") or issue
        if isinstance(loc, str):
            return f"{loc}: {msg}"
        if loc:
            return f"{'.'.join(str(p) for p in loc if p != 'body')}: {msg}"
        return str(msg)
    return str(issue)


def raise_for_status(
    response: httpx.Response,
    what: str,
    *,
    friendly: Mapping[int, str] | None = None,
    retry_after_in_body: bool = False,
) -> None:
    """Turn an HTTP error into a ProviderError with an actionable message.

    `friendly` overrides the words per status; `retry_after_in_body` honours a JSON body's
    `retry_after` seconds before the Retry-After header (APIs that document it there)."""
    status = response.status_code
    if status < 400:
        return
    detail = error_detail(response)
    retryable = status in (408, 409, 429) or status >= 500
    retry_after = None
    if retryable:
        body_wait = _body_retry_after(response) if retry_after_in_body else None
        retry_after = body_wait if body_wait is not None else retry_after_seconds(response)
    words = {**_FRIENDLY, **(friendly or {})}
    friendly_text = words.get(status, "the provider had an internal error" if status >= 500
                              else "the provider refused the request")
    if status == 429 and retry_after is not None:
        friendly_text += f", retrying in {retry_after:g} s"
    message = f"{what}: {friendly_text} (HTTP {status})"
    if detail:
        message += f": {detail}"
    raise ProviderError(message, status=status, code=f"http_{status}", retryable=retryable,
                        retry_after=retry_after)


async def send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    what: str,
    *,
    keep_errors: bool = False,
    **kwargs: Any,
) -> httpx.Response:
    """One request; transport errors become retryable ProviderErrors.

    HTTP error answers raise too, unless `keep_errors`: then the caller reads them (e.g.
    ComfyUI's node_errors) and calls raise_for_status itself."""
    try:
        response = await http.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        # Nothing reached the provider: safe to report as a plain failure.
        raise ProviderError(f"{what}: could not connect to the provider ({type(exc).__name__})",
                            code="unreachable", retryable=True) from None
    except httpx.TimeoutException:
        raise ProviderError(f"{what}: the provider did not answer in time", code="timeout",
                            retryable=True) from None
    except httpx.TransportError as exc:
        raise ProviderError(f"{what}: could not reach the provider ({type(exc).__name__})",
                            code="network", retryable=True) from None
    if not keep_errors:
        raise_for_status(response, what)
    return response
