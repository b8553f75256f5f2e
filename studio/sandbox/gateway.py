"""The shared front door of every provider route: record, authorize, inject faults."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .cut import BINARY_PREFIXES, CutResponse, maybe_cut
from .state import SandboxState

Handler = Callable[[Request, bytes], Awaitable[Response]]


@dataclass(frozen=True)
class Dialect:
    """How one provider refuses a request: its auth check and its error JSON."""

    provider: str
    authorize: Callable[[Request], Response | None]
    error: Callable[[int, str], Response]
    # The 429 answer for a rate_limit fault, when the provider puts the wait in its body.
    rate_limited: Callable[[float], Response] | None = None


class BodyTooLarge(Exception):
    pass


def origin(request: Request) -> str:
    """scheme://host[:port] as the client addressed us, for absolute URLs in responses."""
    host = request.headers.get("host") or request.url.netloc
    return f"{request.url.scheme}://{host}"


def file_url(request: Request, name: str) -> str:
    return f"{origin(request)}/files/{name}"


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def provider_route(
    state: SandboxState,
    dialect: Dialect,
    path: str,
    handler: Handler,
    methods: list[str],
    *,
    is_poll: bool = False,
) -> Route:
    """A Route whose requests are recorded and pass auth and fault checks before `handler`.

    is_poll marks status/result reads, the only requests that `server_errors` hits.
    """

    async def endpoint(request: Request) -> Response:
        refusal: Response | None = None
        try:
            body = await read_body(request, state.config.max_body_bytes)
        except BodyTooLarge:
            body = b""
            refusal = dialect.error(413, "Request body is too large")
        at = state.clock.iso(state.clock.now())
        record = state.recorder.record(dialect.provider, request, body, at)
        refusal = refusal or dialect.authorize(request) or _injected_fault(state, dialect, is_poll)
        if refusal is None:
            response = _maybe_malformed(state, dialect.provider, await handler(request, body))
            response = _maybe_cut(state, dialect.provider, response)
        else:
            response = refusal
        record["status"] = response.status_code
        return response

    return Route(path, endpoint, methods=methods)


def _injected_fault(state: SandboxState, dialect: Dialect, is_poll: bool) -> Response | None:
    limited = state.faults.take("rate_limit", dialect.provider)
    if limited is not None:
        seconds = float(limited.options.get("retry_after", 1))
        if dialect.rate_limited is not None:
            return dialect.rate_limited(seconds)
        response = dialect.error(429, "Rate limit exceeded, please retry later")
        response.headers["Retry-After"] = str(math.ceil(seconds))
        response.headers["retry-after-ms"] = str(round(seconds * 1000))
        return response
    if is_poll:
        if state.faults.take("drop_poll", dialect.provider) is not None:
            return CutResponse(b"{}", "application/json", keep=0, declare_length=True,
                               drop=True)
        failing = state.faults.take("server_errors", dialect.provider)
        if failing is not None:
            # Without an explicit status the errors alternate 500, 503, 500, ...
            status = failing.options.get("status") or (500 if failing.taken % 2 else 503)
            return dialect.error(status, "Internal server error (sandbox fault)")
    return None


def _maybe_malformed(state: SandboxState, provider: str, response: Response) -> Response:
    if not (200 <= response.status_code < 300) or response.media_type != "application/json":
        return response
    if state.faults.take("malformed_json", provider) is None:
        return response
    body = bytes(response.body)
    # Any proper prefix of a JSON object is invalid JSON: the closing brace is missing.
    garbage = body[: max(1, len(body) // 2)]
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(garbage, status_code=200, headers=headers, media_type="application/json")


def _maybe_cut(state: SandboxState, provider: str, response: Response) -> Response:
    """An image or video answer (Stability's generate, ComfyUI's /view) cut short."""
    if response.status_code != 200 or isinstance(response, CutResponse):
        return response
    media_type = response.media_type or ""
    if not media_type.startswith(BINARY_PREFIXES):
        return response
    headers = {k: v for k, v in response.headers.items()
               if k.lower() not in ("content-length", "content-type")}
    cut = maybe_cut(state.faults, provider, bytes(response.body), media_type, headers)
    return cut or response


def unknown_route(state: SandboxState, dialect: Dialect, hint: str) -> Route:
    """Last route of a provider: records the stray request and answers the provider's 404."""

    async def endpoint(request: Request) -> Response:
        try:
            body = await read_body(request, state.config.max_body_bytes)
        except BodyTooLarge:
            body = b""
        record = state.recorder.record(
            dialect.provider, request, body, state.clock.iso(state.clock.now())
        )
        message = f"No route for {request.method} {request.url.path}. {hint}"
        response = dialect.error(404, message)
        record["status"] = response.status_code
        return response

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Route("/{unknown_path:path}", endpoint, methods=methods)
