"""Credit balances of the emulated accounts."""

from __future__ import annotations

import threading


class CreditLedger:
    def __init__(self, runway: int, stability: float, luma: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._runway = runway
        self._stability = stability
        self._luma = luma  # USD cents, as Luma reports it

    @property
    def runway(self) -> int:
        with self._lock:
            return self._runway

    @property
    def stability(self) -> float:
        with self._lock:
            return self._stability

    @property
    def luma(self) -> float:
        with self._lock:
            return self._luma

    def set(
        self, *, runway: int | None = None, stability: float | None = None,
        luma: float | None = None,
    ) -> None:
        with self._lock:
            if runway is not None:
                self._runway = runway
            if stability is not None:
                self._stability = stability
            if luma is not None:
                self._luma = luma

    def charge_runway(self, credits: int) -> None:
        with self._lock:
            self._runway = max(0, self._runway - credits)

    def charge_stability(self, credits: float) -> None:
        with self._lock:
            self._stability = max(0.0, round(self._stability - credits, 4))

    def charge_luma(self, cents: float) -> None:
        with self._lock:
            self._luma = max(0.0, round(self._luma - cents, 4))
