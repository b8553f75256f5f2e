"""Scrubbing secrets from anything we write: logs, payload records, provenance, exports."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

MASK = "***"
SECRET_HEADERS = frozenset({
    "authorization", "x-api-key", "x-key", "proxy-authorization", "cookie", "set-cookie",
    "x-goog-api-key", "api-key",
})
_QUERY_SECRET = re.compile(
    r"(?i)([?&](?:api[_-]?key|key|token|access_token|secret|signature|sig)=)[^&#\s\"']+"
)
_BEARER = re.compile(r"(?i)\b(Bearer|Key|Basic)\s+[A-Za-z0-9._~+/=:-]{8,}")


class Redactor:
    """Masks known key values, secret headers, auth schemes and secret query parameters."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        # Very short values would mask ordinary words; real keys are long.
        self._secrets.update(s for s in secrets if s and len(s) >= 6)

    def text(self, value: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in value:
                value = value.replace(secret, MASK)
        value = _QUERY_SECRET.sub(lambda m: m.group(1) + MASK, value)
        return _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", value)

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: (_mask_header(v) if k.lower() in SECRET_HEADERS else self.text(v))
                for k, v in headers.items()}

    def value(self, obj: Any) -> Any:
        """Deep copy of JSON-like data with every string scrubbed."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {k: (_mask_header(v) if isinstance(k, str) and k.lower() in SECRET_HEADERS
                        and isinstance(v, str) else self.value(v))
                    for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.value(v) for v in obj]
        return obj


def _mask_header(value: str) -> str:
    """Keep the auth scheme (`Key`, `Bearer`) so a record still shows its shape."""
    scheme, sep, _ = value.partition(" ")
    return f"{scheme} {MASK}" if sep and scheme.isalpha() and len(scheme) <= 10 else MASK


class RedactingFilter(logging.Filter):
    """Scrubs every record's message and arguments before any handler sees it."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.text(record.getMessage())
        record.args = None
        for key, val in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and isinstance(val, str | dict | list):
                setattr(record, key, self.redactor.value(val))
        return True


_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)))
