"""Is a downloaded output whole? Images decode fully in Pillow, videos in PyAV.

A file cut short (a reset, a body shorter than promised, a CDN that closed early without
a Content-Length) fails here, so a job is never `succeeded` with a broken output. Runs in
a worker thread: decoding a long video takes a while.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.core.media import MediaInfo
from studio.providers.base import ProviderError

# Pillow's own bomb threshold (it warns above it, refuses at twice): refuse above it.
MAX_PIXELS = 89_478_485


class BrokenOutput(ProviderError):
    """The file does not decode as what it claims to be. `retryable`: fetching it again
    may help (it was cut short); not for a decompression bomb."""


def verify_output(path: Path, media_type: str) -> MediaInfo:
    if media_type.startswith("image/"):
        return _verify_image(path)
    if media_type.startswith("video/"):
        return _verify_video(path)
    raise BrokenOutput(f"the output is {media_type}, not an image or video",
                       code="wrong_type")


def _verify_image(path: Path) -> MediaInfo:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            size = im.size
            if size[0] * size[1] > MAX_PIXELS:
                raise _bomb(size)
            im.verify()  # checksums and structure (PNG chunks to IEND)
        with Image.open(path) as im:
            im.load()  # every pixel: a truncated JPEG or PNG fails here
    except Image.DecompressionBombError:
        raise _bomb(None) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BrokenOutput(f"the image is incomplete or damaged ({_short(exc)})",
                           code="broken_output", retryable=True) from None
    return MediaInfo(size[0], size[1])


def _bomb(size: tuple[int, int] | None) -> BrokenOutput:
    what = f"{size[0]}x{size[1]} pixels" if size else "too many pixels"
    return BrokenOutput(f"the image is {what}, more than the {MAX_PIXELS:,} pixel limit that "
                        "guards against decompression bombs; it was not kept",
                        code="decompression_bomb")


def _verify_video(path: Path) -> MediaInfo:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise BrokenOutput("the video has no video stream", code="broken_output",
                                   retryable=True)
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            frames = sum(1 for _ in container.decode(stream))
            expected = stream.frames
            width, height = stream.codec_context.width, stream.codec_context.height
            duration = _duration(container, stream)
    except av.error.FFmpegError as exc:
        raise BrokenOutput(f"the video is incomplete or damaged ({_short(exc)})",
                           code="broken_output", retryable=True) from None
    if frames == 0 or (expected and frames < expected):
        raise BrokenOutput(f"the video is incomplete: {frames} of {expected or '?'} frames "
                           "decode", code="broken_output", retryable=True)
    return MediaInfo(width, height, duration)


def _duration(container: Any, stream: Any) -> float | None:
    if container.duration is not None:
        return round(container.duration / 1_000_000, 3)
    if stream.duration is not None and stream.time_base is not None:
        return round(float(stream.duration * stream.time_base), 3)
    return None


def _short(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:120]
