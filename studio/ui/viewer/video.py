"""The viewer's video player: play/pause, frame steps, a scrubber, playback speed, loop,
volume and mute. `,` and `.` step one frame (paused), Space plays."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QPalette
from PySide6.QtMultimedia import QAudioOutput, QMediaMetaData, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.widgets import SPACING, duration

SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0)
FALLBACK_FPS = 24.0  # when the file does not say


def _tool(parent: QWidget, text: str, tip: str, name: str) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip.split(" (")[0])
    button.setObjectName(name)
    return button


class VideoView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.video = QVideoWidget(self)
        self.video.setObjectName("videoWidget")
        self.video.setAutoFillBackground(True)
        pal = self.video.palette()
        pal.setColor(QPalette.ColorRole.Window, QColor("black"))
        self.video.setPalette(pal)
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.player.setVideoOutput(self.video)
        self.player.setLoops(QMediaPlayer.Loops.Infinite)

        self.play_button = QPushButton("Play", self)
        self.play_button.setObjectName("playPause")
        self.play_button.setAccessibleName("Play or pause")
        self.play_button.setToolTip("Play or pause (Space)")
        self.play_button.setFixedWidth(88)
        self.play_button.clicked.connect(self.toggle)
        self.back_button = _tool(self, "◀|", "One frame back (,)", "frameBack")
        self.back_button.clicked.connect(lambda: self.step_frames(-1))
        self.forward_button = _tool(self, "|▶", "One frame forward (.)", "frameForward")
        self.forward_button.clicked.connect(lambda: self.step_frames(1))
        self.scrubber = QSlider(Qt.Orientation.Horizontal, self)
        self.scrubber.setObjectName("scrubber")
        self.scrubber.setAccessibleName("Position")
        self.scrubber.sliderMoved.connect(self.player.setPosition)
        self.time = QLabel("0 s", self)
        self.time.setMinimumWidth(96)
        self.speed = QComboBox(self)
        self.speed.setObjectName("playbackSpeed")
        self.speed.setAccessibleName("Playback speed")
        self.speed.setToolTip("Playback speed")
        for rate in SPEEDS:
            self.speed.addItem(f"{rate:g}×", rate)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(
            lambda _i: self.player.setPlaybackRate(float(self.speed.currentData())))
        self.loop = QCheckBox("Loop", self)
        self.loop.setObjectName("loop")
        self.loop.setToolTip("Start again at the end")
        self.loop.setChecked(True)
        self.loop.toggled.connect(self.set_loop)
        self.mute = _tool(self, "Mute", "Mute (M)", "mute")
        self.mute.setCheckable(True)
        self.mute.toggled.connect(self._on_mute)
        self.volume = QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setObjectName("volume")
        self.volume.setAccessibleName("Volume")
        self.volume.setToolTip("Volume")
        self.volume.setRange(0, 100)
        self.volume.setValue(round(self.audio.volume() * 100))
        self.volume.setFixedWidth(90)
        self.volume.valueChanged.connect(lambda v: self.audio.setVolume(v / 100))

        self.player.durationChanged.connect(lambda ms: self.scrubber.setRange(0, ms))
        self.player.positionChanged.connect(self._on_position)
        self.player.playbackStateChanged.connect(self._on_state)
        controls = QHBoxLayout()
        controls.setSpacing(SPACING // 2)
        for w in (self.back_button, self.play_button, self.forward_button):
            controls.addWidget(w)
        controls.addWidget(self.scrubber, 1)
        controls.addWidget(self.time)
        for control in (self.speed, self.loop, self.mute, self.volume):
            controls.addWidget(control)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(SPACING)
        box.addWidget(self.video, 1)
        box.addLayout(controls)

    def load(self, path: str) -> None:
        self.player.setSource(QUrl.fromLocalFile(path))
        self.player.play()

    def stop(self) -> None:
        self.player.stop()
        self.player.setSource(QUrl())

    def toggle(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def frame_ms(self) -> float:
        fps = self.player.metaData().value(QMediaMetaData.Key.VideoFrameRate)
        try:
            fps = float(fps)
        except (TypeError, ValueError):
            fps = 0.0
        return 1000.0 / (fps if fps > 0 else FALLBACK_FPS)

    def step_frames(self, frames: int) -> None:
        """Pause and move by whole frames (a frame step reads one picture at a time)."""
        self.player.pause()
        end = max(0, self.player.duration())
        target = self.player.position() + round(frames * self.frame_ms())
        self.player.setPosition(max(0, min(end, target)))

    def set_loop(self, on: bool) -> None:
        self.loop.setChecked(on)
        self.player.setLoops(QMediaPlayer.Loops.Infinite if on else QMediaPlayer.Loops.Once)

    def toggle_mute(self) -> None:
        self.mute.toggle()

    def _on_mute(self, muted: bool) -> None:
        self.audio.setMuted(muted)
        self.mute.setText("Unmute" if muted else "Mute")

    def _on_position(self, ms: int) -> None:
        if not self.scrubber.isSliderDown():
            self.scrubber.setValue(ms)
        self.time.setText(f"{duration(ms / 1000)} / {duration(self.player.duration() / 1000)}")

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText("Pause" if playing else "Play")
