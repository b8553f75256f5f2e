"""Save frame: the video's frame on screen now, or exactly its last frame, as a new image
asset whose parent is the video (Studio.save_frame, off the GUI thread). It shows in the
Gallery like any output and can be the next shot's start frame."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolButton, QWidget

from studio.core.jobs import Asset
from studio.ui.viewer.video import VideoView

if TYPE_CHECKING:
    from studio.ui.session import Session


class FrameSaver(QObject):
    def __init__(self, session: Session, video: VideoView, shown: Callable[[], Asset | None],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.video = video
        self.shown = shown
        self.saved: list[Asset] = []
        self.frame_action = QAction("Save frame", parent)
        self.frame_action.setObjectName("saveFrame")
        self.frame_action.setToolTip("The frame on screen as a new image in the Gallery")
        self.frame_action.triggered.connect(lambda _=False: self.save(last=False))
        self.last_action = QAction("Save last frame", parent)
        self.last_action.setObjectName("saveLastFrame")
        self.last_action.setToolTip("Exactly the video's last frame as a new image (the "
                                    "next clip's start frame)")
        self.last_action.triggered.connect(lambda _=False: self.save(last=True))
        for action in (self.frame_action, self.last_action):
            button = QToolButton(video)
            button.setDefaultAction(action)
            video.controls.addWidget(button)

    def save(self, *, last: bool) -> None:
        asset = self.shown()
        if asset is None or not asset.media_type.startswith("video/"):
            return
        at = None if last else max(0.0, self.video.player.position() / 1000)
        self.video.player.pause()
        self.session.spawn(self._save(asset.id, at), what="Saving the frame")

    async def _save(self, video_id: str, at: float | None) -> Asset:
        frame = await self.session.studio.save_frame(video_id, at)
        self.saved.append(frame)
        when = "last frame" if at is None else f"frame at {at:.2f} s"
        self.session.toast.emit("success", f"Saved the {when} to the Gallery "
                                           f"({frame.width}×{frame.height})")
        return frame
