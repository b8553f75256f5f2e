"""Measuring every new output in one low-priority worker thread (docs/metrics.md).

The output saver hands over a finished job's assets; measuring (numpy, Pillow, FFmpeg:
they release the GIL) happens here, never on the event loop or the GUI thread, and a file
that cannot be measured is stored as a note: the job's outcome never depends on it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.core.jobs import Asset, Job
from studio.core.ports import JobStore, SettingsSource
from studio.core.quality_store import QualityRecord, QualityStore

if TYPE_CHECKING:
    from studio.core.metrics import Expected

log = logging.getLogger(__name__)

NICENESS = 15  # how much lower than the app the measuring thread runs (Linux)
_SIZE = re.compile(r"^\s*(\d{2,5})\s*[x×*:]\s*(\d{2,5})\s*$")
_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*s?\s*$")
_VIDEO_MODES = ("txt2video", "img2video", "storyboard")


@dataclass(frozen=True)
class Asked:
    """What a request fixed about its output: the source of an `Expected`."""

    width: int | None = None
    height: int | None = None
    fps: float | None = None
    duration_seconds: float | None = None

    def expected(self) -> Expected | None:
        from studio.core.metrics import Expected

        if not any((self.width, self.height, self.fps, self.duration_seconds)):
            return None
        return Expected(self.width, self.height, self.fps, self.duration_seconds)


def asked_by(request: Mapping[str, Any], mode: str) -> Asked:
    """Only what the params say in numbers: width/height, a "WxH" size, fps or frame_rate,
    duration/duration_seconds/seconds (5, 5.0, "5", "5s"). Named presets ("square_hd",
    "720p", "16:9") mean different pixels per provider, so they set nothing."""
    params = request.get("params")
    if not isinstance(params, Mapping):
        return Asked()
    width, height = _int(params.get("width")), _int(params.get("height"))
    for key in ("image_size", "size"):
        value = params.get(key)
        if isinstance(value, Mapping) and width is None and height is None:
            width, height = _int(value.get("width")), _int(value.get("height"))
        elif isinstance(value, str) and width is None and height is None:
            match = _SIZE.match(value)
            if match:
                width, height = int(match[1]), int(match[2])
    if mode not in _VIDEO_MODES:
        return Asked(width, height)
    fps = next((v for k in ("fps", "frame_rate") if (v := _number(params.get(k)))), None)
    duration = next((v for k in ("duration_seconds", "duration", "seconds")
                     if (v := _number(params.get(k)))), None)
    return Asked(width, height, fps, duration)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value > 0 else None
    if isinstance(value, str):
        match = _SECONDS.match(value)
        return float(match[1]) if match and float(match[1]) > 0 else None
    return None


def measure_and_store(store: QualityStore, asset: Asset,
                      expected: Expected | None) -> QualityRecord | None:
    """Measure one stored output now (blocking) and keep the result, or the reason it
    could not be measured."""
    from studio.core.metrics import MetricsError, measure

    try:
        measurement = measure(Path(asset.path), expected=expected)
    except MetricsError as exc:
        return store.save_failure(asset.id, str(exc))
    return store.save(asset.id, measurement)


def measure_stored(store: JobStore, quality: QualityStore, asset_id: str) -> QualityRecord:
    """Measure one of the studio's outputs now, with what its job asked for, and store the
    result. KeyError for an unknown id (full or a unique prefix)."""
    asset = quality.tables.get_asset(asset_id) or _by_prefix(quality, asset_id)
    if asset is None:
        raise KeyError(asset_id)
    job = store.get_job(asset.job_id)
    asked = asked_by(job.request, job.mode) if job is not None else Asked()
    record = measure_and_store(quality, asset, asked.expected())
    if record is None:  # deleted while it was measured
        raise KeyError(asset_id)
    return record


def _by_prefix(quality: QualityStore, prefix: str) -> Asset | None:
    key = prefix.replace("%", "").replace("_", "")
    if not key:
        return None
    rows = quality.tables.query("SELECT id FROM assets WHERE id LIKE ? LIMIT 2", (key + "%",))
    return quality.tables.get_asset(rows[0]["id"]) if len(rows) == 1 else None


class MetricsWorker:
    """One daemon thread, started on first use, measuring queued outputs in order."""

    def __init__(self, store: QualityStore, config: SettingsSource) -> None:
        self.store = store
        self.config = config
        self._queue: queue.Queue[tuple[Asset, Asked] | None] = queue.Queue()
        self._lock = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._closed = False
        self._abandon = False

    def outputs_saved(self, job: Job, assets: list[Asset]) -> None:
        """The output saver's hook: queue a finished job's outputs (returns at once)."""
        if self._closed or not self.config.settings.metrics.measure_new_outputs:
            return
        asked = asked_by(job.request, job.mode)
        with self._lock:
            self._pending += len(assets)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="metrics",
                                                daemon=True)
                self._thread.start()
        for asset in assets:
            self._queue.put((asset, asked))

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every queued output is measured; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending == 0, timeout)

    @property
    def pending(self) -> int:
        return self._pending

    def close(self, timeout: float = 5.0) -> None:
        """Finish what is queued (up to `timeout` seconds), then stop; the rest stays
        unmeasured (`studio-cli metrics ASSET` measures it later)."""
        self._closed = True
        thread = self._thread
        if thread is None:
            return
        self._queue.put(None)
        thread.join(timeout)
        if thread.is_alive():
            self._abandon = True
            log.warning("metrics.unfinished pending=%d", self._pending)

    def _run(self) -> None:
        _lower_priority()
        while True:
            item = self._queue.get()
            if item is None or self._abandon:
                return
            asset, asked = item
            try:
                measure_and_store(self.store, asset, asked.expected())
            except Exception:  # a store closing under us, a bug: never the job's problem
                log.exception("metrics.failed asset=%s", asset.id)
            finally:
                with self._lock:
                    self._pending -= 1
                    self._lock.notify_all()


def _lower_priority() -> None:
    """This thread only (Linux threads have their own nice value); FFmpeg's decoding
    threads inherit it. Elsewhere the thread keeps the app's priority."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
