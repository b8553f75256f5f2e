"""Fetching outputs: streamed to a `.part` file, size-capped, hashed, verified (it must
decode), fetched again when cut short; moved into place only by the caller's commit."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import random
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from studio.core.media import MediaInfo
from studio.core.verify_output import verify_output
from studio.providers.base import ProviderError, RemoteOutput
from studio.providers.http import raise_for_status
from studio.providers.polling import describe_wait

ALLOWED_PREFIXES = ("image/", "video/")
EXTENSIONS = {
    "image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif",
    "video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov",
}


@dataclass(frozen=True)
class SavedFile:
    """An output as saved to disk: path, hash, media type and size."""
    path: Path
    sha256: str
    media_type: str
    bytes: int
    info: MediaInfo | None = None


class DownloadError(ProviderError):
    pass


@dataclass
class FetchedOutput:
    """A complete, verified output still in its `.part` file: `commit` moves it into
    place, `discard` removes it. Nothing is at the final name until `commit`."""

    part: Path
    final: Path
    sha256: str
    media_type: str
    bytes: int
    info: MediaInfo

    def commit(self) -> SavedFile:
        os.replace(self.part, self.final)
        return SavedFile(self.final, self.sha256, self.media_type, self.bytes, self.info)

    def discard(self) -> None:
        self.part.unlink(missing_ok=True)


@dataclass(frozen=True)
class RetryPolicy:
    """How a cut-short download is fetched again: capped, jittered backoff."""

    attempts: int = 4
    first_wait: float = 0.5
    max_wait: float = 30.0
    max_retry_after: float = 600.0  # a longer Retry-After fails the download at once


PART_SUFFIX = ".part"


def partial_files(directory: Path) -> list[Path]:
    """Leftover `.part` files (from a killed download) directly under `directory`."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob(f".*{PART_SUFFIX}") if p.is_file())


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
    """Writes to a `.part` file beside the target; verified before anyone renames it."""

    def __init__(self, dest_dir: Path, stem: str, max_bytes: int) -> None:
        dest_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.dest_dir, self.stem, self.max_bytes = dest_dir, stem, max_bytes
        fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=PART_SUFFIX, dir=dest_dir)
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

    def finish(self, declared: str) -> FetchedOutput:
        """fsync, check the type and that the file decodes (worker thread)."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        if self.size == 0:
            raise DownloadError("the provider sent an empty file", code="empty_output",
                                retryable=True)
        sniffed = sniff_media_type(self.head)
        if sniffed is None:
            raise DownloadError(f"the output claims to be {declared} but is not a known "
                                "image or video format; nothing was saved", code="wrong_type")
        info = verify_output(self.tmp, sniffed)
        final = self.dest_dir / f"{self.stem}{EXTENSIONS.get(sniffed, '.bin')}"
        return FetchedOutput(self.tmp, final, self.hash.hexdigest(), sniffed, self.size, info)

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
    retry: RetryPolicy | None = None,
) -> SavedFile:
    """Fetch, verify and move one output into place (see fetch_output)."""
    fetched = await fetch_output(http, output, dest_dir, stem, max_bytes=max_bytes,
                                 headers=headers, retry=retry)
    return await asyncio.to_thread(fetched.commit)


async def fetch_output(
    http: httpx.AsyncClient,
    output: RemoteOutput,
    dest_dir: Path,
    stem: str,
    *,
    max_bytes: int,
    headers: dict[str, str] | None = None,
    retry: RetryPolicy | None = None,
    on_retry: Callable[[int, ProviderError, float], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
) -> FetchedOutput:
    """One output streamed to a `.part` file, size-capped, hashed and verified (it must
    decode). A download cut short (reset, short body, bytes that do not decode, 408/429/
    5xx) is fetched again with backoff; inline data cannot be, so it fails at once."""
    retry = retry or RetryPolicy()
    rng = rng or random.Random()
    refetchable = bool(output.url) and not (output.url or "").startswith("data:")
    wait = retry.first_wait
    for attempt in range(1, retry.attempts + 1):
        try:
            return await _fetch_once(http, output, dest_dir, stem, max_bytes, headers)
        except ProviderError as exc:
            if not (exc.retryable and refetchable) or attempt == retry.attempts:
                raise
            delay = min(retry.max_wait, wait) * rng.uniform(0.8, 1.2)
            if exc.retry_after is not None:
                if exc.retry_after > retry.max_retry_after:
                    raise DownloadError(
                        f"{exc.message}; the provider asked to wait "
                        f"{describe_wait(exc.retry_after)}, longer than the "
                        f"{describe_wait(retry.max_retry_after)} cap "
                        "(network.max_retry_after_seconds)",
                        status=exc.status, code="retry_after_too_long",
                        retry_after=exc.retry_after) from None
                delay = max(delay, exc.retry_after)
            if on_retry is not None:
                on_retry(attempt, exc, delay)
            await sleep(delay)
            wait *= 2
    raise AssertionError("unreachable")


async def _fetch_once(
    http: httpx.AsyncClient,
    output: RemoteOutput,
    dest_dir: Path,
    stem: str,
    max_bytes: int,
    headers: dict[str, str] | None,
) -> FetchedOutput:
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
        declared = await _stream(http, output.url, headers, sink, max_bytes)
        # fsync, verify and rename off the event loop: the GUI thread never waits on them.
        return await asyncio.to_thread(sink.finish, declared)
    except BaseException:
        sink.abort()
        raise


async def _stream(http: httpx.AsyncClient, url: str, headers: dict[str, str] | None,
                  sink: _Sink, max_bytes: int) -> str:
    try:
        async with http.stream("GET", url, headers=headers or {}) as response:
            if response.status_code >= 400:
                await response.aread()
                try:
                    raise_for_status(response, "download")
                except ProviderError as exc:
                    raise DownloadError(exc.message, status=exc.status, code=exc.code,
                                        retryable=exc.retryable,
                                        retry_after=exc.retry_after) from None
            declared = _check_type(response.headers.get("content-type", ""))
            length = response.headers.get("content-length")
            promised = int(length) if length and length.isdigit() else None
            if promised is not None and promised > max_bytes:
                sink.write(b"\0" * (max_bytes + 1))  # raises the size error
            async for chunk in response.aiter_bytes(1 << 16):
                sink.write(chunk)
            encoded = response.headers.get("content-encoding", "identity") != "identity"
            if promised is not None and not encoded and sink.size != promised:
                raise DownloadError(f"download cut short: {sink.size} of {promised} bytes",
                                    code="network", retryable=True)
            return declared
    except httpx.TransportError as exc:
        raise DownloadError(f"download interrupted ({type(exc).__name__})",
                            code="network", retryable=True) from None

