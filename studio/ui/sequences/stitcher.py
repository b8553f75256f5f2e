"""Stitch off the GUI thread: the blocking stitch runs in a worker thread (asyncio.to_thread
on the qasync loop), reports progress through a queued signal and stops when cancelled."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.ui.session import Session


class StitchRunner(QObject):
    progress = Signal(float)  # 0..1, from the worker thread (queued to the GUI thread)
    finished = Signal(dict)  # the film's final record
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.cancel_event: threading.Event | None = None
        self.task: asyncio.Task[Any] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, board_id: str) -> asyncio.Task[Any] | None:
        if self.running:
            return None
        self.cancel_event = threading.Event()
        self.task = asyncio.ensure_future(self._run(board_id, self.cancel_event))
        return self.task

    def cancel(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()

    async def _run(self, board_id: str, cancel: threading.Event) -> None:
        from studio.core.sequences.stitch import StitchCancelled

        studio = self.session.studio
        try:
            final = await asyncio.to_thread(studio.stitch_storyboard, board_id,
                                            self.progress.emit, cancel)
        except StitchCancelled:
            self.cancelled.emit()
        except ValueError as exc:  # StitchError, StoryboardError: what is wrong
            self.failed.emit(str(exc))
        else:
            self.finished.emit(final)
