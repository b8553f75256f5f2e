"""Every request that reaches a provider route, kept in memory for tests to inspect.

Credentials are never stored: secret headers keep their scheme and a short SHA-256
fingerprint, so a test can still check which key an adapter sent.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections import deque
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from .formdata import FormDataError, is_multipart, parse_form

SECRET_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "cookie")
# Secrets sent as form fields (OAuth client-credentials token requests).
SECRET_FORM_FIELDS = ("client_secret",)
MAX_RECORDS = 1000
# Longer strings (big data URIs) are replaced by a marker with their length and hash.
MAX_STRING_CHARS = 256 * 1024


def fingerprint(secret: str) -> str:
    """The first 12 hex digits of SHA-256, as shown in recorded secret headers."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def redact(value: str) -> str:
    scheme, sep, credential = value.partition(" ")
    if sep and scheme.isalpha():
        return f"{scheme} <redacted sha256:{fingerprint(credential)}>"
    return f"<redacted sha256:{fingerprint(value)}>"


class RequestRecorder:
    def __init__(self, max_records: int = MAX_RECORDS) -> None:
        self._records: deque[dict[str, Any]] = deque(maxlen=max_records)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, provider: str, request: Request, body: bytes, at: str) -> dict[str, Any]:
        """Store one request and return its record (the caller adds the response status)."""
        prefix = f"/{provider}"
        path = request.url.path
        kind, parsed = describe_body(body, request.headers.get("content-type"))
        headers = {
            name: redact(value) if name in SECRET_HEADERS else value
            for name, value in request.headers.items()
        }
        entry: dict[str, Any] = {
            "id": next(self._ids),
            "time": at,
            "provider": provider,
            "method": request.method,
            "path": path,
            "route": path[len(prefix) :] if path.startswith(prefix) else path,
            "query": dict(request.query_params),
            "query_string": request.url.query,
            "headers": headers,
            "body_kind": kind,
            "body": parsed,
            "body_size": len(body),
            "status": None,
        }
        with self._lock:
            self._records.append(entry)
        return entry

    def list(self, provider: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self._records if provider is None or r["provider"] == provider]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


def describe_body(body: bytes, content_type: str | None) -> tuple[str, Any]:
    """(kind, a JSON-safe description): kind is empty, json, multipart, form or raw."""
    if not body:
        return "empty", None
    if is_multipart(content_type):
        try:
            form = parse_form(body, content_type or "")
        except FormDataError as exc:
            return "invalid_multipart", {"error": str(exc)}
        files = [
            {
                "field": part.field,
                "filename": part.filename,
                "content_type": part.content_type,
                "size": len(part.data),
            }
            for part in form.files
        ]
        return "multipart", {"fields": _shorten(form.fields), "files": files}
    if (content_type or "").startswith("application/x-www-form-urlencoded"):
        fields = dict(parse_qsl(body.decode("utf-8", "replace")))
        for name in SECRET_FORM_FIELDS:
            if name in fields:
                fields[name] = f"<redacted sha256:{fingerprint(fields[name])}>"
        return "form", _shorten(fields)
    try:
        return "json", _shorten(json.loads(body))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "raw", {"content_type": content_type, "size": len(body)}


def _shorten(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_STRING_CHARS:
        digest = hashlib.sha256(value.encode()).hexdigest()[:12]
        return f"{value[:64]}...<{len(value)} chars sha256:{digest}>"
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


class DownloadLog:
    """Every /files download: which file, whose, and whether a fault cut it short."""

    def __init__(self, max_records: int = MAX_RECORDS) -> None:
        self._records: deque[dict[str, Any]] = deque(maxlen=max_records)
        self._lock = threading.Lock()

    def add(self, name: str, provider: str | None, outcome: str) -> None:
        with self._lock:
            self._records.append({"name": name, "provider": provider, "outcome": outcome})

    def list(self, provider: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self._records if provider is None or r["provider"] == provider]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
