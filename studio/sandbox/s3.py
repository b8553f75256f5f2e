"""Enough of S3 under /s3 for the image host: presigned PUT and GET of path-style objects.

`PUT /s3/{bucket}/{key}` stores the body and `GET /s3/{bucket}/{key}` returns it, only when
the request carries a valid AWS Signature V4 query signature (what boto3's
generate_presigned_url makes) that has not expired. The secret is the sandbox key
(`SandboxConfig.s3_secret`); the access key id may be anything. Errors are S3's XML.
Requests are recorded under the provider name "s3".
"""

from __future__ import annotations

import hashlib
import hmac
import time
from calendar import timegm
from urllib.parse import parse_qsl, quote, unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .gateway import read_body
from .state import SandboxState

PROVIDER = "s3"
_ALGORITHM = "AWS4-HMAC-SHA256"


def _error(status: int, code: str, message: str) -> Response:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>")
    return Response(body, status_code=status, media_type="application/xml")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def expected_signature(request: Request, secret: str) -> str | None:
    """The SigV4 query signature this request should carry, or None if it is not presigned."""
    query = parse_qsl(request.url.query, keep_blank_values=True)
    params = dict(query)
    if params.get("X-Amz-Algorithm") != _ALGORITHM:
        return None
    try:
        _access_key, scope = params["X-Amz-Credential"].split("/", 1)
        amz_date, signed = params["X-Amz-Date"], params["X-Amz-SignedHeaders"]
    except (KeyError, ValueError):
        return None
    canonical_query = "&".join(
        f"{_encode(k)}={_encode(v)}" for k, v in sorted(query) if k != "X-Amz-Signature")
    names = signed.split(";")
    headers = "".join(f"{name}:{(request.headers.get(name) or '').strip()}\n" for name in names)
    path = request.scope.get("raw_path", request.url.path.encode()).decode()
    canonical = "\n".join([request.method, path, canonical_query, headers, signed,
                           "UNSIGNED-PAYLOAD"])
    to_sign = "\n".join([_ALGORITHM, amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    date, region, service, terminal = scope.split("/")
    key = _hmac(f"AWS4{secret}".encode(), date)
    for part in (region, service, terminal):
        key = _hmac(key, part)
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _expired(request: Request) -> bool:
    params = dict(parse_qsl(request.url.query))
    try:
        signed_at = timegm(time.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ"))
        return time.time() > signed_at + int(params["X-Amz-Expires"])
    except (KeyError, ValueError):
        return True


class Objects:
    """The stored objects, by (bucket, key); forgotten on a sandbox reset."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[bytes, str]] = {}

    def reset(self) -> None:
        self.items.clear()

    def reset_credits(self) -> None:
        """S3 has no credits."""

    def has(self, path: str) -> bool:
        """Is there an object at this /s3/{bucket}/{key} path (query ignored)?"""
        bucket, _, key = unquote(path.split("?", 1)[0]).removeprefix("/s3/").partition("/")
        return (bucket, key) in self.items


def routes(state: SandboxState) -> list[Route]:
    store = Objects()
    state.extensions[PROVIDER] = store
    objects = store.items

    async def endpoint(request: Request) -> Response:
        body = await read_body(request, state.config.max_body_bytes)
        record = state.recorder.record(PROVIDER, request, body,
                                       state.clock.iso(state.clock.now()))
        response = _answer(request, body)
        record["status"] = response.status_code
        return response

    def _answer(request: Request, body: bytes) -> Response:
        expected = expected_signature(request, state.config.s3_secret)
        given = dict(parse_qsl(request.url.query)).get("X-Amz-Signature", "")
        if expected is None:
            return _error(403, "AccessDenied", "Anonymous access is not allowed")
        if not hmac.compare_digest(expected, given):
            return _error(403, "SignatureDoesNotMatch", "The request signature we calculated "
                                                        "does not match the signature you provided")
        if _expired(request):
            return _error(403, "AccessDenied", "Request has expired")
        where = (request.path_params["bucket"], request.path_params["key"])
        if request.method == "PUT":
            objects[where] = (body, request.headers.get("content-type")
                              or "application/octet-stream")
            etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
            return Response(status_code=200, headers={"ETag": f'"{etag}"'})
        stored = objects.get(where)
        if stored is None:
            return _error(404, "NoSuchKey", "The specified key does not exist.")
        return Response(stored[0], media_type=stored[1])

    return [Route("/{bucket}/{key:path}", endpoint, methods=["GET", "PUT"])]
