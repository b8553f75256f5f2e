"""The order live jobs are sent in, the per-provider limit, and the pause switch.

A job takes a slot before it is sent (or polled) and gives it back when it ends. Waiting
jobs go in their order (the artist may move them up or down); while sending is paused no
waiting job is sent (polls of jobs already sent go on). One per runner, on its loop;
listeners hear every change (the Queue's banner and positions).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class _Waiter:
    """A job waiting for its turn to be sent."""
    job_id: str
    provider: str
    sends: bool
    future: asyncio.Future[None] = field(repr=False)


class SendQueue:
    def __init__(self, limit: Callable[[str], int]) -> None:
        self._limit = limit
        self._waiting: list[_Waiter] = []
        self._running: Counter[str] = Counter()
        self._paused = False
        self._listeners: list[Callable[[], None]] = []

    # -- what the Queue shows -----------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._paused

    def waiting(self) -> list[str]:
        """Jobs waiting to be sent, in the order they will go."""
        return [w.job_id for w in self._waiting if w.sends]

    def position(self, job_id: str) -> int | None:
        """1 for the next job to go, None when the job is not waiting."""
        order = self.waiting()
        return order.index(job_id) + 1 if job_id in order else None

    def listen(self, fn: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn) if fn in self._listeners else None

    def _changed(self) -> None:
        for fn in list(self._listeners):
            try:
                fn()
            except Exception:  # a listener's bug never stops a job
                log.exception("send_queue.listener_failed")

    # -- what the artist does -----------------------------------------------------------

    def pause(self) -> None:
        if not self._paused:
            self._paused = True
            log.info("send_queue.paused waiting=%d", len(self.waiting()))
            self._changed()

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            log.info("send_queue.resumed waiting=%d", len(self.waiting()))
            self._grant()
            self._changed()

    def move(self, job_id: str, steps: int) -> bool:
        """Move a waiting job `steps` places later (negative: sooner) among the waiting
        jobs to send. False when it is not waiting (already sent, or ended)."""
        sends = [w for w in self._waiting if w.sends]
        index = next((i for i, w in enumerate(sends) if w.job_id == job_id), None)
        if index is None:
            return False
        target = max(0, min(len(sends) - 1, index + steps))
        if target == index:
            return True
        waiter = sends.pop(index)
        sends.insert(target, waiter)
        polls = iter([w for w in self._waiting if not w.sends])
        order = iter(sends)
        # Sends take the slots sends had; polls keep theirs.
        self._waiting = [next(order) if w.sends else next(polls) for w in self._waiting]
        self._grant()
        self._changed()
        return True

    # -- what the runner does -----------------------------------------------------------

    @contextlib.asynccontextmanager
    async def slot(self, job_id: str, provider: str, *, sends: bool) -> AsyncIterator[None]:
        """Wait for this job's turn (`sends`: it will be sent, so a pause holds it)."""
        waiter = _Waiter(job_id, provider, sends, asyncio.get_running_loop().create_future())
        self._waiting.append(waiter)
        self._grant()
        if not waiter.future.done():
            self._changed()
        try:
            await waiter.future
        except BaseException:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
                self._changed()
            elif waiter.future.done() and not waiter.future.cancelled():
                self._release(provider)  # granted just as it was cancelled
            raise
        try:
            yield
        finally:
            self._release(provider)

    def _release(self, provider: str) -> None:
        self._running[provider] -= 1
        self._grant()

    def _grant(self) -> None:
        granted = False
        for waiter in list(self._waiting):
            if waiter.future.done():  # cancelled while waiting
                self._waiting.remove(waiter)
                continue
            if waiter.sends and self._paused:
                continue
            if self._running[waiter.provider] >= max(1, self._limit(waiter.provider)):
                continue
            self._waiting.remove(waiter)
            self._running[waiter.provider] += 1
            waiter.future.set_result(None)
            granted = True
        if granted:
            self._changed()
