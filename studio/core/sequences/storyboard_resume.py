"""Storyboards cut off mid-run (the studio closed with a stage's job out) carry on in the
next studio on the same home: `Studio.resume` drives their jobs, and each such storyboard
then moves on exactly as `run --wait` would: with auto-approve straight through keyframe ->
clip (ready to stitch), without it up to the stages awaiting review. Only storyboards with a
job still out are picked up (one never run, or waiting on the artist, sends nothing)."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from studio.core.sequences.storyboards import Storyboard, StoryboardError, Storyboards

log = logging.getLogger(__name__)


class StoryboardRuns:
    """The background runs of resumed storyboards (one per storyboard at most)."""

    def __init__(self, boards: Storyboards) -> None:
        self.boards = boards
        self._tasks: dict[str, asyncio.Task[Storyboard]] = {}

    def resume_running(self) -> list[str]:
        """Start carrying on every storyboard with a job still out; returns their ids.
        Call after `Studio.resume` (which drives those jobs)."""
        out = []
        for board in self.boards.recent():
            if board.id in self._tasks or not self.boards.active_jobs(board):
                continue
            task = asyncio.ensure_future(self._carry_on(board.id))
            self._tasks[board.id] = task
            task.add_done_callback(partial(self._forget, board.id))
            out.append(board.id)
        return out

    async def join(self) -> None:
        """Wait for the storyboards picked up to go as far as they can."""
        while self._tasks:
            await asyncio.wait(list(self._tasks.values()))

    async def aclose(self) -> None:
        """Stop the runs (the studio is closing): their jobs stay out at the providers
        and the storyboards resume next time."""
        tasks = [t for t in self._tasks.values() if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    def _forget(self, board_id: str, _task: object) -> None:
        self._tasks.pop(board_id, None)

    async def _carry_on(self, board_id: str) -> Storyboard:
        boards = self.boards
        try:
            await boards.run(board_id, wait=True)
        except (StoryboardError, ValueError, OSError) as exc:  # shown on the storyboard
            log.warning("storyboard.resume_failed",
                        extra={"storyboard": board_id, "error": str(exc)})
        return boards.require(board_id)
