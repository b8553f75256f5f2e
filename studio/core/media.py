"""Reading size and duration of saved outputs (run in a worker thread)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MediaInfo:
    """An image's or a video's size and length."""
    width: int | None
    height: int | None
    duration_seconds: float | None = None


def probe(path: Path, media_type: str) -> MediaInfo:
    if media_type.startswith("image/"):
        from PIL import Image

        with Image.open(path) as im:
            return MediaInfo(im.width, im.height)
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        duration = None
        if container.duration is not None:
            duration = container.duration / 1_000_000
        elif stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        return MediaInfo(stream.codec_context.width, stream.codec_context.height,
                         None if duration is None else round(duration, 3))
