"""Shared bench helpers: a sandbox in its own process and a throwaway STUDIO_HOME."""

from __future__ import annotations

import contextlib
import statistics
import tempfile
from collections.abc import Iterator
from pathlib import Path

from studio.core.config import set_value
from studio.core.paths import StudioPaths
from studio.core.service import Studio


@contextlib.contextmanager
def sandbox_process(**opts: float) -> Iterator[str]:
    from studio.sandbox import spawn_sandbox_process

    proc, url = spawn_sandbox_process(**opts)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def live_studio(home: Path, sandbox_url: str, concurrency: int) -> Studio:
    studio = Studio(StudioPaths.resolve(home), sandbox_url=sandbox_url, env={})
    s = set_value(studio.settings, "features.enable_public_image_providers", "true")
    s = set_value(s, "features.enable_public_video_providers", "true")
    s = set_value(s, "network.max_concurrent_per_provider", str(concurrency))
    studio.update_settings(s)
    return studio


def temp_home() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="studio-bench-")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
