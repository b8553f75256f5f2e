"""Fetching outputs: streamed to a temp file, type-checked, size-capped, hashed, renamed."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from studio.providers.base import ProviderError, RemoteOutput
from studio.providers.http import raise_for_status

ALLOWED_PREFIXES = ("image/", "video/")
EXTENSIONS = {
    "image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif",
    "video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov",
}


@dataclass(frozen=True)
class SavedFile:
    path: Path
    sha256: str
    media_type: str
    bytes: int


class DownloadError(ProviderError):
    pass


def _check_type(media_type: str) -> str:
    media_type = media_type.split(";")[0].strip().lower()
    if not media_type.startswith(ALLOWED_PREFIXES):
        raise DownloadError(
            f"the output is {media_type or 'of unknown type'}, not an image or video; "
            "nothing was saved", code="wrong_type")
    return media_type


def sniff_media_type(head: bytes) -> str | None:
    """The real type from the first bytes, so a mislabelled file is caught."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


class _Sink:
    """Writes to a temp file beside the target; renamed into place only when complete."""

    def __init__(self, dest_dir: Path, stem: str, max_bytes: int) -> None:
        dest_dir.mkdir(parents=True, exist_ok=True)
        self.dest_dir, self.stem, self.max_bytes = dest_dir, stem, max_bytes
        fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".part", dir=dest_dir)
        self.tmp = Path(tmp)
        self.fh = os.fdopen(fd, "wb")
        self.hash = hashlib.sha256()
        self.size = 0
        self.head = b""

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise DownloadError(
                f"the output is larger than the {self.max_bytes // 1_000_000} MB cap; "
                "nothing was saved (raise network.max_download_mb to allow it)",
                code="too_large")
        if len(self.head) < 16:
            self.head += chunk[: 16 - len(self.head)]
        self.hash.update(chunk)
        self.fh.write(chunk)

    def finish(self, declared: str) -> SavedFile:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        if self.size == 0:
            raise DownloadError("the provider sent an empty file", code="empty_output")
        sniffed = sniff_media_type(self.head)
        if sniffed is None:
            raise DownloadError(f"the output claims to be {declared} but is not a known "
                                "image or video format; nothing was saved", code="wrong_type")
        final = self.dest_dir / f"{self.stem}{EXTENSIONS.get(sniffed, '.bin')}"
        os.replace(self.tmp, final)
        return SavedFile(final, self.hash.hexdigest(), sniffed, self.size)

    def abort(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        self.tmp.unlink(missing_ok=True)


async def save_output(
    http: httpx.AsyncClient,
    output: RemoteOutput,
    dest_dir: Path,
    stem: str,
    *,
    max_bytes: int,
    headers: dict[str, str] | None = None,
) -> SavedFile:
    sink = _Sink(dest_dir, stem, max_bytes)
    try:
        if output.data is not None:
            _check_type(output.media_type or sniff_media_type(output.data[:16]) or "")
            sink.write(output.data)
            return await asyncio.to_thread(sink.finish, output.media_type or "")
        if output.url and output.url.startswith("data:"):
            header, _, payload = output.url.partition(",")
            declared = _check_type(header[5:].split(";")[0])
            try:
                sink.write(base64.b64decode(payload, validate=True))
            except binascii.Error:
                raise DownloadError("the output data URI is not valid base64",
                                    code="malformed_response") from None
            return await asyncio.to_thread(sink.finish, declared)
        if not output.url:
            raise DownloadError("the provider gave no URL for an output", code="no_output")
        try:
            async with http.stream("GET", output.url, headers=headers or {}) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise_for_status(response, "download")
                declared = _check_type(response.headers.get("content-type", ""))
                length = response.headers.get("content-length")
                if length and length.isdigit() and int(length) > max_bytes:
                    sink.write(b"\0" * (max_bytes + 1))  # raises the size error
                async for chunk in response.aiter_bytes(1 << 16):
                    sink.write(chunk)
        except httpx.TransportError as exc:
            raise DownloadError(f"download interrupted ({type(exc).__name__})",
                                code="network", retryable=True) from None
        # fsync and rename off the event loop: the GUI thread never waits on the disk.
        return await asyncio.to_thread(sink.finish, declared)
    except BaseException:
        sink.abort()
        raise
