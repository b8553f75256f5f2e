"""Decoding off the GUI thread: gallery thumbnails (via studio.core.thumbnails) and full
images for the viewer run on a QThreadPool; results come back as signals and land in
QPixmapCache on the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap, QPixmapCache

from studio.core.thumbnails import ThumbnailError, make_thumbnail

log = logging.getLogger(__name__)

THUMB_SIZE = 256
CACHE_KB = 96 * 1024
QPixmapCache.setCacheLimit(CACHE_KB)
LARGE_KEPT = 2  # full-size pictures too big for the cache, kept by reference


class _Signals(QObject):
    done = Signal(str, QImage)
    failed = Signal(str, str)


class _Job(QRunnable):
    def __init__(self, key: str, work: Callable[[], QImage], signals: _Signals) -> None:
        super().__init__()
        self.key, self.work, self.signals = key, work, signals
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            image = self.work()
        except (ThumbnailError, OSError, ValueError) as exc:
            self.signals.failed.emit(self.key, str(exc))
            return
        except Exception as exc:  # never let a worker die silently
            log.exception("ui.decode_crash key=%s", self.key)
            self.signals.failed.emit(self.key, f"{type(exc).__name__}: {exc}")
            return
        if image.isNull():
            self.signals.failed.emit(self.key, "could not decode")
        else:
            self.signals.done.emit(self.key, image)


def read_image(path: str | Path, max_side: int | None = None) -> QImage:
    """QImageReader decodes at the scaled size directly (fast for JPEG). Thread-safe."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if max_side and size.isValid() and max(size.width(), size.height()) > max_side:
        reader.setScaledSize(size.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise ValueError(f"{Path(path).name}: {reader.errorString()}")
    return image


class ImageLoader(QObject):
    """Queues decodes on a thread pool, de-duplicates in-flight keys, caches pixmaps."""

    loaded = Signal(str)  # key, now in QPixmapCache
    failed = Signal(str, str)

    def __init__(self, thumbs_dir: Path, parent: QObject | None = None,
                 pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.thumbs_dir = thumbs_dir
        self.pool = pool or QThreadPool.globalInstance()
        self._pending: set[str] = set()
        self._failed: dict[str, str] = {}
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._large: dict[str, QPixmap] = {}
        # A QGuiApplication made after this module loaded starts with Qt's 10 MB default.
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), CACHE_KB))

    @staticmethod
    def thumb_key(sha256: str, size: int = THUMB_SIZE) -> str:
        return f"thumb:{sha256}:{size}"

    def pixmap(self, key: str) -> QPixmap | None:
        pm = QPixmapCache.find(key) or self._large.get(key)
        return pm if pm is not None and not pm.isNull() else None

    def error(self, key: str) -> str | None:
        return self._failed.get(key)

    def thumbnail(self, path: str, sha256: str, media_type: str | None,
                  size: int = THUMB_SIZE) -> QPixmap | None:
        """The cached pixmap, or None after queueing its decode."""
        key = self.thumb_key(sha256, size)
        pm = self.pixmap(key)
        if pm is None:
            thumbs = self.thumbs_dir

            def work() -> QImage:
                out = make_thumbnail(path, sha256, thumbs, size, media_type)
                return read_image(out)

            self._queue(key, work)
        return pm

    def image(self, key: str, path: str, max_side: int | None = None) -> QPixmap | None:
        """Any image file (input previews, the viewer), decoded off the GUI thread."""
        pm = self.pixmap(key)
        if pm is None:
            self._queue(key, lambda: read_image(path, max_side))
        return pm

    def _queue(self, key: str, work: Callable[[], QImage]) -> None:
        if key in self._pending or key in self._failed:
            return
        self._pending.add(key)
        self.pool.start(_Job(key, work, self._signals))

    def _on_done(self, key: str, image: QImage) -> None:
        self._pending.discard(key)
        pm = QPixmap.fromImage(image)
        if not QPixmapCache.insert(key, pm):  # bigger than the whole cache (a huge picture)
            self._large[key] = pm
            while len(self._large) > LARGE_KEPT:
                self._large.pop(next(iter(self._large)))
        self.loaded.emit(key)

    def _on_failed(self, key: str, message: str) -> None:
        self._pending.discard(key)
        self._failed[key] = message
        log.warning("ui.decode_failed key=%s error=%s", key, message)
        self.failed.emit(key, message)
