"""Where the shots go and how long a view is given to settle before its grab."""

from __future__ import annotations

import asyncio
from pathlib import Path

SIZES = [(1024, 700), (1600, 1000)]


class Camera:
    """Saves grabs as NAME_WxH.png for the window size being shot."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.size = SIZES[0]
        self.saved: list[Path] = []

    def grab(self, widget, name: str) -> Path:
        path = self.out / f"{name}_{self.size[0]}x{self.size[1]}.png"
        widget.grab().save(str(path))
        self.saved.append(path)
        return path


async def settle(seconds: float = 0.4) -> None:
    # Never app.processEvents() in here: a nested loop inside a running task breaks
    # qasync ("Cannot enter into task"). Sleeping lets the loop process Qt events.
    await asyncio.sleep(seconds)
