"""The sandbox clock: real time by default, freezable and advanceable for exact tests."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class SandboxClock:
    """Monotonic seconds since the sandbox started, plus a wall-clock mapping for timestamps."""

    def __init__(self, frozen_at: float | None = None) -> None:
        self._lock = threading.Lock()
        self._origin = time.monotonic()
        self._wall_origin = time.time()
        self._offset = 0.0
        self._frozen: float | None = frozen_at

    def now(self) -> float:
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return time.monotonic() - self._origin + self._offset

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen is not None

    def freeze(self) -> float:
        now = self.now()
        with self._lock:
            self._frozen = now
        return now

    def resume(self) -> float:
        with self._lock:
            if self._frozen is not None:
                # Continue from the frozen reading so time never jumps backwards.
                self._offset = self._frozen - (time.monotonic() - self._origin)
                self._frozen = None
        return self.now()

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        with self._lock:
            if self._frozen is not None:
                self._frozen += seconds
            else:
                self._offset += seconds
        return self.now()

    def wall(self, at: float) -> datetime:
        """The UTC wall time that corresponds to sandbox time `at`."""
        return datetime.fromtimestamp(self._wall_origin + at, tz=UTC)

    def iso(self, at: float) -> str:
        return self.wall(at).isoformat(timespec="milliseconds").replace("+00:00", "Z")
