"""Plays a storyboard's segments one after another (before any stitch): a QMediaPlayer
that moves to the next clip when one ends."""

from __future__ import annotations

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class SequencePlayer(QWidget):
    segmentChanged = Signal(int)  # 0-based index of the clip now playing; -1 stopped

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sequencePlayer")
        self.video = QVideoWidget(self)
        self.video.setAutoFillBackground(True)
        pal = self.video.palette()
        pal.setColor(QPalette.ColorRole.Window, QColor("black"))
        self.video.setPalette(pal)
        self.video.setMinimumHeight(120)
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.player.setVideoOutput(self.video)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.where = QLabel("", self)
        self.where.setProperty("role", "muted")
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setObjectName("sequenceStop")
        self.stop_button.clicked.connect(self.stop)
        row = QHBoxLayout()
        row.addWidget(self.where, 1)
        row.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.video, 1)
        layout.addLayout(row)
        self.paths: list[str] = []
        self.index = -1

    def play(self, paths: list[str]) -> None:
        self.paths = list(paths)
        self.index = -1
        self.next_segment()

    def next_segment(self) -> None:
        self.index += 1
        if self.index >= len(self.paths):
            self.stop()
            return
        self.player.setSource(QUrl.fromLocalFile(self.paths[self.index]))
        self.player.play()
        self.where.setText(f"Segment {self.index + 1} of {len(self.paths)}")
        self.segmentChanged.emit(self.index)

    def stop(self) -> None:
        self.player.stop()
        self.index = -1
        self.where.setText("")
        self.segmentChanged.emit(-1)

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia and self.index >= 0:
            self.next_segment()
