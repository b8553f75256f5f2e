"""Downloads cut short, for the `truncate_download` and `reset_download` fault switches.

- truncate_download with content_length (default): the full length is declared, part of
  the body is sent, then the connection closes: the client sees a body shorter than
  promised.
- truncate_download with content_length false: no length is declared (chunked) and the
  body ends cleanly after part of it: only decoding the bytes shows they are incomplete.
- reset_download: part of the body (by default none), then the connection is dropped.
"""

from __future__ import annotations

import logging

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .faults import FaultState

BINARY_PREFIXES = ("image/", "video/")


class ConnectionCut(Exception):
    """Raised after the partial body so the server drops the connection mid-response."""


class CutResponse(Response):
    def __init__(self, data: bytes, media_type: str, *, keep: int, declare_length: bool,
                 drop: bool, headers: dict[str, str] | None = None) -> None:
        super().__init__(b"", status_code=200, media_type=media_type, headers=headers)
        self.partial = data[: max(0, min(keep, len(data) - 1))]
        self.full_length = len(data)
        self.declare_length = declare_length
        self.drop = drop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k, v) for k, v in self.raw_headers if k.lower() != b"content-length"]
        if self.declare_length:
            headers.append((b"content-length", str(self.full_length).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if self.partial:
            await send({"type": "http.response.body", "body": self.partial, "more_body": True})
        if self.drop or self.declare_length:
            raise ConnectionCut  # the server closes the connection: the body stays short
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def maybe_cut(faults: FaultState, provider: str | None, data: bytes, media_type: str,
              headers: dict[str, str] | None = None) -> Response | None:
    """A cut-short answer for this download when a fault asks for one, else None."""
    if not media_type.startswith(BINARY_PREFIXES) or provider is None:
        return None
    reset = faults.take("reset_download", provider)
    if reset is not None:
        keep = int(len(data) * float(reset.options.get("fraction", 0.0)))
        return CutResponse(data, media_type, keep=keep, declare_length=True, drop=True,
                           headers=headers)
    cut = faults.take("truncate_download", provider)
    if cut is not None:
        keep = int(len(data) * float(cut.options.get("fraction", 0.5)))
        return CutResponse(data, media_type, keep=keep,
                           declare_length=bool(cut.options.get("content_length", True)),
                           drop=False, headers=headers)
    return None


class _HideCuts(logging.Filter):
    """The server logs a traceback for every dropped connection; these are on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.exc_info[0] is ConnectionCut)


def quiet_server_logs() -> None:
    for name in ("uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _HideCuts) for f in logger.filters):
            logger.addFilter(_HideCuts())
