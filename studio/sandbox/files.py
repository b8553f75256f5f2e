"""Rendered outputs by file name; each is produced on first use and then kept."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool


@dataclass
class StoredFile:
    name: str
    content_type: str
    produce: Callable[[], bytes]
    provider: str | None = None  # whose output it is (download fault switches target it)
    _data: bytes | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def data(self) -> bytes:
        # The lock makes concurrent first requests render once and share the bytes.
        with self._lock:
            if self._data is None:
                self._data = self.produce()
            return self._data

    @property
    def rendered(self) -> bool:
        return self._data is not None


class FileStore:
    """Names to lazily rendered bytes, served under /files/{name}."""

    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._lock = threading.Lock()

    def register(self, name: str, content_type: str, produce: Callable[[], bytes],
                 provider: str | None = None) -> StoredFile:
        with self._lock:
            existing = self._files.get(name)
            if existing is None:
                existing = self._files[name] = StoredFile(name, content_type, produce,
                                                          provider)
            return existing

    def get(self, name: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(name)

    async def render(self, stored: StoredFile) -> bytes:
        """The file's bytes, rendering off the event loop the first time."""
        if stored.rendered:
            return stored.data()
        return await run_in_threadpool(stored.data)

    def clear(self) -> None:
        with self._lock:
            self._files.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._files)
