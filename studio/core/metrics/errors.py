"""Typed errors for files that cannot be measured; each message says what to do next."""

from __future__ import annotations

from pathlib import Path


class MetricsError(Exception):
    """The file could not be measured. `str(error)` is a message for the user."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class MediaNotFoundError(MetricsError):
    """The path does not name a readable file."""


class NotMediaError(MetricsError):
    """The file is neither an image nor a video that Pillow or FFmpeg can read."""


class CorruptMediaError(MetricsError):
    """The file looks like an image or video but is empty, truncated or undecodable."""


class MediaTooLargeError(MetricsError):
    """The file declares more pixels than `Limits` allow (for example a decompression bomb)."""
