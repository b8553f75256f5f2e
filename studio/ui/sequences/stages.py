"""The selected scene's two stages side by side: what each is at, its newest output, and
Approve / Regenerate with notes (notes edit the prompt; every attempt is kept)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.assist import QUALITY_TIP, quality_color, quality_text
from studio.ui.sequences.timeline import stage_colour
from studio.ui.widgets import ImageLoader

THUMB = 120
SIDE_BY_SIDE = 480  # px: narrower than this, the clip goes under the keyframe
EXPLAIN = {
    "pending": "not made yet: Run makes it",
    "waiting": "waits for an approved keyframe (and for the next scene's, when the clip "
               "ends on it)",
    "running": "rendering…",
    "review": "ready: approve it or regenerate with notes",
    "approved": "approved",
    "given": "your image",
    "dry_run": "dry-run: the request was recorded, nothing was sent",
    "failed": "failed: regenerate to try again",
    "refused": "refused by a spend budget (nothing was sent): regenerate when there is room",
    "stale": "made from an earlier keyframe (or toward an earlier end frame): Run makes "
             "it again",
    "audition": "auditioned across models: vote in Compare, then take the winner",
}


class StageBox(QGroupBox):
    approve = Signal(str)  # stage
    regenerate = Signal(str, str)  # stage, notes
    audition = Signal(str)  # stage: fan it out to several models
    pick = Signal(str)  # stage: the audition's winner becomes the take
    openGroup = Signal(str)  # compare group id

    def __init__(self, stage: str, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(stage.capitalize(), parent)
        self.stage = stage
        self.loader = loader
        self.setObjectName(f"{stage}Stage")
        self.output: dict[str, Any] | None = None
        self.status = QLabel(self)
        self.status.setObjectName(f"{stage}Status")
        self.status.setWordWrap(True)
        self.picture = QLabel(self)
        self.picture.setFixedSize(THUMB + 40, THUMB)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setMinimumWidth(80)
        self.quality = QLabel(self)  # the take's quality score (ui/assist's badge text)
        self.quality.setObjectName(f"{stage}Quality")
        self.quality.setToolTip(QUALITY_TIP)
        self.quality.hide()
        self.attempts = QLabel(self)
        self.attempts.setWordWrap(True)
        self.attempts.setProperty("role", "muted")
        self.notes = QLineEdit(self)
        self.notes.setObjectName(f"{stage}Notes")
        self.notes.setPlaceholderText("Notes for the next attempt (edit the prompt)")
        self.approve_button = QPushButton("Approve", self)
        self.approve_button.setObjectName(f"{stage}Approve")
        self.approve_button.clicked.connect(lambda: self.approve.emit(self.stage))
        self.regenerate_button = QPushButton("Regenerate", self)
        self.regenerate_button.setObjectName(f"{stage}Regenerate")
        self.regenerate_button.setToolTip("Make this stage again with the notes added to "
                                          "the prompt (earlier attempts are kept)")
        self.regenerate_button.clicked.connect(
            lambda: self.regenerate.emit(self.stage, self.notes.text().strip()))
        self.notes.returnPressed.connect(self.regenerate_button.click)
        self.audition_button = QPushButton("Audition…", self)
        self.audition_button.setObjectName(f"{stage}Audition")
        self.audition_button.setToolTip("Make this stage with several models side by side "
                                        "(a compare group); the one you pick is the take")
        self.audition_button.clicked.connect(lambda: self.audition.emit(self.stage))
        self.pick_button = QPushButton("Take the winner", self)
        self.pick_button.setObjectName(f"{stage}Pick")
        self.pick_button.setToolTip("The winner of your vote in Compare becomes this "
                                    "stage's take")
        self.pick_button.clicked.connect(lambda: self.pick.emit(self.stage))
        self.group_button = QPushButton("Open in Compare", self)
        self.group_button.setObjectName(f"{stage}OpenGroup")
        self.group_button.clicked.connect(lambda: self.openGroup.emit(self.group_id or ""))
        self.group_id: str | None = None
        for b in (self.approve_button, self.regenerate_button, self.audition_button,
                  self.pick_button, self.group_button):
            b.setMinimumWidth(40)
        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.regenerate_button)
        buttons.addWidget(self.audition_button)
        audition_row = QHBoxLayout()
        audition_row.addWidget(self.group_button)
        audition_row.addWidget(self.pick_button)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.picture)
        info = QVBoxLayout()
        info.addWidget(self.status)
        info.addWidget(self.quality)
        info.addWidget(self.attempts)
        info.addStretch(1)
        top.addLayout(info, 1)
        layout.addLayout(top)
        layout.addWidget(self.notes)
        layout.addLayout(buttons)
        layout.addLayout(audition_row)
        loader.loaded.connect(lambda _k: self._paint_picture())

    def show_stage(self, data: dict[str, Any] | None, can_regenerate: bool) -> None:
        data = data or {"status": "pending", "attempts": [], "output": None, "notes": ""}
        status = data["status"]
        colour = stage_colour(status).name()
        self.status.setText(f"<b style='color:{colour}'>{status.replace('_', '-')}</b> — "
                            f"{EXPLAIN.get(status, status)}")
        self.status.setAccessibleName(f"{self.stage} status: {status}")
        attempts = data["attempts"]
        self.attempts.setText(f"attempt {len(attempts)}" + (
            f" · notes: {data['notes']}" if data.get("notes") else "") if attempts else "")
        self.output = data.get("output")
        self._show_quality(data.get("quality_score"))
        self._paint_picture()
        self.approve_button.setEnabled(status == "review")
        self.regenerate_button.setEnabled(can_regenerate and status not in ("running",
                                                                            "given"))
        self.notes.setEnabled(self.regenerate_button.isEnabled())
        self.group_id = data.get("audition_group")
        auditioning = status == "audition"
        self.audition_button.setEnabled(can_regenerate and status not in (
            "running", "given", "audition"))
        self.pick_button.setVisible(auditioning)
        self.group_button.setVisible(auditioning)

    def _show_quality(self, score: float | None) -> None:
        """The take's score, coloured like the Gallery's badge; "Q …" until measured."""
        self.quality.setVisible(self.output is not None)
        measured = score is not None
        self.quality.setText(f"<b style='color:{quality_color(score).name()}'>"
                             f"{quality_text(score, measured)}</b>")
        self.quality.setAccessibleName(f"{self.stage} quality: " + (
            f"{score:.0f} of 100" if measured else "not measured yet"))

    def _paint_picture(self) -> None:
        out = self.output
        if not out:
            self.picture.clear()
            self.picture.setText("—")
            return
        pm = self.loader.thumbnail(out["path"], out["sha256"], out.get("media_type"))
        if pm is None:
            self.picture.setText("…")
            return
        self.picture.setPixmap(pm.scaled(self.picture.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation))


class StagePanel(QWidget):
    approve = Signal(str)
    regenerate = Signal(str, str)
    audition = Signal(str)
    pick = Signal(str)
    openGroup = Signal(str)

    def __init__(self, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keyframe = StageBox("keyframe", loader, self)
        self.clip = StageBox("clip", loader, self)
        layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)  # side by side when wide
        layout.setContentsMargins(0, 0, 0, 0)
        self.box_layout = layout
        for box in (self.keyframe, self.clip):
            layout.addWidget(box, 1)
            box.approve.connect(self.approve)
            box.regenerate.connect(self.regenerate)
            box.audition.connect(self.audition)
            box.pick.connect(self.pick)
            box.openGroup.connect(self.openGroup)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        need = max(SIDE_BY_SIDE, 2 * self.keyframe.minimumSizeHint().width() + 12)
        wide = event.size().width() >= need
        self.box_layout.setDirection(QBoxLayout.Direction.LeftToRight if wide
                                     else QBoxLayout.Direction.TopToBottom)

    def show_scene(self, scene: dict[str, Any] | None) -> None:
        stages = (scene or {}).get("stages") or {}
        key = stages.get("keyframe")
        self.keyframe.show_stage(key, scene is not None)
        clip_ready = key is not None and key["status"] in ("approved", "given")
        self.clip.show_stage(stages.get("clip"), clip_ready)
        self.setEnabled(scene is not None)
