"""The gate in front of every route: loopback Host, CORS allow-list, body cap, bearer token.

Order matters: a foreign Host (DNS rebinding) is refused before anything else; a CORS
preflight is answered without a token (browsers never send one); then the declared body
size, then the token. Chunked bodies are capped again where routes read them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from studio.api.auth import ApiToken, bearer

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 32 * 1024 * 1024
OPEN_PATHS = frozenset({"/health", "/docs"})
_ALLOW_HEADERS = "Authorization, Content-Type"
_ALLOW_METHODS = "GET, POST, OPTIONS"


def loopback_hosts(port: int) -> frozenset[str]:
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})


class Guard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        token: ApiToken,
        port: int,
        allowed_origins: Iterable[str] = (),
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.token = token
        self.hosts = loopback_hosts(port)
        self.origins = frozenset(o.rstrip("/") for o in allowed_origins)
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if headers.get("host", "").lower() not in self.hosts:
            await send_error(send, 403, "this API only answers to 127.0.0.1 or localhost "
                             "on its own port")
            return
        origin = headers.get("origin")
        allowed = origin is not None and origin in self.origins
        if allowed:
            send = _with_cors(send, origin or "")
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            if not allowed:
                await send_error(send, 403, "this origin is not allowed (Settings > "
                                 "Automation API > allowed origins)")
                return
            await _preflight(send)
            return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            # Connection: close, so the server does not read (and drop) the rest first.
            await send_error(send, 413, f"request bodies are limited to "
                             f"{self.max_body_bytes // (1024 * 1024)} MB",
                             extra=[(b"connection", b"close")])
            return
        if scope["path"] not in OPEN_PATHS and not self.token.matches(
                bearer(headers.get("authorization"))):
            await send_error(send, 401, "a valid bearer token is required "
                             "(Authorization: Bearer <token>)",
                             extra=[(b"www-authenticate", b'Bearer realm="provider-studio"')])
            return
        await self.app(scope, receive, send)


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        out.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
    return out


def _with_cors(send: Send, origin: str) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers += [(b"access-control-allow-origin", origin.encode("latin-1")),
                        (b"vary", b"Origin")]
            message["headers"] = headers
        await send(message)
    return wrapped


async def _preflight(send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": [
        (b"access-control-allow-methods", _ALLOW_METHODS.encode()),
        (b"access-control-allow-headers", _ALLOW_HEADERS.encode()),
        (b"access-control-max-age", b"600"),
    ]})
    await send({"type": "http.response.body", "body": b""})


async def send_error(send: Send, status: int, message: str,
                     extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": message, "fields": []}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *(extra or []),
    ]})
    await send({"type": "http.response.body", "body": body})
