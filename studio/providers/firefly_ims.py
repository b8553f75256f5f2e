"""Adobe IMS OAuth server-to-server tokens for Firefly: fetched once, cached until near expiry.

`POST <ims>/ims/token/v3` with a form `grant_type=client_credentials, client_id,
client_secret, scope` answers `{access_token, token_type, expires_in}` (about 24 h).
Tokens are cached per (IMS URL, client id, secret digest) and refreshed 5 minutes early.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from studio.providers.base import ProviderError
from studio.providers.http import error_detail, parse_json, send

IMS_URL = "https://ims-na1.adobelogin.com/ims/token/v3"
IMS_SCOPE = "openid,AdobeID,session,additional_info,read_organizations,firefly_api,ff_apis"
_REFRESH_MARGIN = 300.0
_WHAT = "Firefly sign-in (Adobe IMS)"

# IMS error codes -> what the user can do.
_IMS_ERRORS = {
    "invalid_client": "Adobe IMS refused the client credentials: check the client id/secret "
                      "(Developer Console › project › OAuth Server-to-Server)",
    "unauthorized_client": "Adobe IMS refused the client credentials: check the client "
                           "id/secret, and that the project uses OAuth Server-to-Server",
    "invalid_scope": "Adobe IMS refused the Firefly scopes: add the Firefly Services API to "
                     "the Developer Console project",
}


@dataclass(frozen=True)
class Credentials:
    """An Adobe IMS client id and secret."""
    client_id: str
    client_secret: str


@dataclass
class _Token:
    """An IMS access token, until it expires."""
    value: str
    expires_at: float  # on the cache's clock


class TokenCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        # One lock per event loop (tests run several loops; a lock is bound to one).
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary())

    def forget(self) -> None:
        self._tokens.clear()

    async def token(self, http: httpx.AsyncClient, url: str, creds: Credentials) -> str:
        digest = hashlib.sha256(creds.client_secret.encode()).hexdigest()
        key = (url, creds.client_id, digest)
        lock = self._locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        async with lock:  # concurrent jobs share one token request
            token = self._tokens.get(key)
            if token is None or token.expires_at <= self._clock():
                token = self._tokens[key] = await self._fetch(http, url, creds)
            return token.value

    async def _fetch(self, http: httpx.AsyncClient, url: str, creds: Credentials) -> _Token:
        form = {"grant_type": "client_credentials", "client_id": creds.client_id,
                "client_secret": creds.client_secret, "scope": IMS_SCOPE}
        try:
            response = await send(http, "POST", url, _WHAT, keep_errors=True, data=form,
                                  headers={"Accept": "application/json"})
        except ProviderError as exc:
            # Nothing was submitted yet: the runner must not think the job may exist.
            raise ProviderError(exc.message, code=f"ims_{exc.code}",
                                retryable=exc.retryable) from None
        if response.status_code >= 400:
            raise ims_error(response)
        body = parse_json(response, _WHAT)
        value = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(value, str) or not value:
            raise ProviderError(f"{_WHAT}: the answer had no access_token", code="ims_malformed",
                                retryable=True)
        expires = body.get("expires_in")
        seconds = float(expires) if isinstance(expires, int | float) else 3600.0
        # Refresh early; a very short-lived token is still used for half its life.
        return _Token(value, self._clock() + seconds - min(_REFRESH_MARGIN, seconds / 2))


def ims_error(response: httpx.Response) -> ProviderError:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = str(body.get("error") or "")
    said = str(body.get("error_description") or "") or error_detail(response)
    if code in _IMS_ERRORS:
        text = _IMS_ERRORS[code]
    elif status in (400, 401, 403):
        text = "Adobe IMS refused the sign-in: check the client id/secret"
    else:
        text = "Adobe IMS could not issue a token"
    message = f"{_WHAT}: {text} (HTTP {status}" + (f": {said})" if said else ")")
    return ProviderError(message, status=status, code=f"ims_{code or status}",
                         retryable=status in (408, 429) or status >= 500)
