"""fal's storage upload: puts a file on fal's CDN and returns a URL anyone can fetch.

The protocol of fal's own Python client (fal-ai/fal, projects/fal_client/src/fal_client/
client.py at c6f0afa, 2026-08-21: `CDNTokenManager`, `_async_upload_v3`):
1. POST {REST}/storage/auth/token?storage_type=fal-cdn-v3 with `Authorization: Key <FAL_KEY>`
   and body `{}` -> {"token", "token_type", "base_url", "expires_at"} (ISO time);
2. POST {CDN}/files/upload with the raw bytes, `Content-Type`, `X-Fal-File-Name` and
   `Authorization: <token_type> <token>` -> {"access_url"}.
REST is https://rest.fal.ai and CDN https://v3.fal.media; on a loopback base URL (the sandbox,
a local emulator) they are `<base>/_rest` and `<base>/_cdn`. Tokens are cached per key until
a minute before they expire.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from studio.providers.base import InputImage, ProviderError
from studio.providers.http import is_loopback_host, parse_json, send

REST_URL = "https://rest.fal.ai"
CDN_URL = "https://v3.fal.media"
TOKEN_PATH = "/storage/auth/token?storage_type=fal-cdn-v3"
UPLOAD_PATH = "/files/upload"
_EARLY = 60.0
_WHAT = "fal storage upload"


@dataclass(frozen=True)
class StorageHosts:
    """fal's upload API and CDN hosts."""
    rest: str
    cdn: str


def storage_hosts(base_url: str, sandbox: bool) -> StorageHosts:
    if sandbox or is_loopback_host(urlsplit(base_url).hostname or ""):
        return StorageHosts(f"{base_url}/_rest", f"{base_url}/_cdn")
    return StorageHosts(REST_URL, CDN_URL)


@dataclass
class _Token:
    """An upload token for fal's storage, until it expires."""
    header: str  # "<token_type> <token>"
    expires_at: float  # time.time()


class FalStorage:
    """Uploads through fal's CDN, reusing one token per key while it lasts."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], _Token] = {}

    async def upload(self, http: httpx.AsyncClient, hosts: StorageHosts, key: str,
                     image: InputImage) -> str:
        token = await self._token(http, hosts, key)
        response = await send(http, "POST", f"{hosts.cdn}{UPLOAD_PATH}", _WHAT,
                              content=image.data,
                              headers={"Content-Type": image.media_type,
                                       "X-Fal-File-Name": image.name,
                                       "Authorization": token})
        body = parse_json(response, _WHAT)
        url = body.get("access_url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ProviderError(f"{_WHAT}: the answer had no access_url",
                                status=response.status_code, code="malformed_response",
                                retryable=True)
        return url

    async def _token(self, http: httpx.AsyncClient, hosts: StorageHosts, key: str) -> str:
        slot = (hosts.rest, hashlib.sha256(key.encode()).hexdigest())
        cached = self._tokens.get(slot)
        if cached is not None and cached.expires_at - _EARLY > time.time():
            return cached.header
        response = await send(http, "POST", f"{hosts.rest}{TOKEN_PATH}", f"{_WHAT} (token)",
                              json={}, headers={"Authorization": f"Key {key}",
                                                "Accept": "application/json"})
        body = parse_json(response, f"{_WHAT} (token)")
        if not (isinstance(body, dict) and isinstance(body.get("token"), str)
                and body["token"]):
            raise ProviderError(f"{_WHAT}: the token answer had no token",
                                code="malformed_response", retryable=True)
        token = _Token(f"{body.get('token_type') or 'Bearer'} {body['token']}",
                       _expiry(body.get("expires_at")))
        self._tokens[slot] = token
        return token.header


def _expiry(value: object) -> float:
    """expires_at as a Unix time; a token without a readable expiry is used for 5 minutes."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return time.time() + 300
