"""Credit balances of the emulated accounts."""

from __future__ import annotations

import threading


class CreditLedger:
    def __init__(self, runway: int, stability: float) -> None:
        self._lock = threading.Lock()
        self._runway = runway
        self._stability = stability

    @property
    def runway(self) -> int:
        with self._lock:
            return self._runway

    @property
    def stability(self) -> float:
        with self._lock:
            return self._stability

    def set(self, *, runway: int | None = None, stability: float | None = None) -> None:
        with self._lock:
            if runway is not None:
                self._runway = runway
            if stability is not None:
                self._stability = stability

    def charge_runway(self, credits: int) -> None:
        with self._lock:
            self._runway = max(0, self._runway - credits)

    def charge_stability(self, credits: float) -> None:
        with self._lock:
            self._stability = max(0.0, round(self._stability - credits, 4))
