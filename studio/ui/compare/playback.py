"""Two videos under one transport: play, pause and seek together; the first video leads
and the other is pulled back in step when it drifts; only one side is audible."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from studio.ui.widgets import SPACING, duration

DRIFT_MS = 150  # more apart than this and the follower is moved to the leader's time
PLAYING = QMediaPlayer.PlaybackState.PlayingState


class PairPlayback(QWidget):
    """The transport bar; it owns one player and one audio output per side."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pairTransport")
        self.players = [QMediaPlayer(self), QMediaPlayer(self)]
        self.audio = [QAudioOutput(self), QAudioOutput(self)]
        self.videos: list[bool] = [False, False]
        for i, (player, audio) in enumerate(zip(self.players, self.audio, strict=True)):
            player.setAudioOutput(audio)
            player.setLoops(QMediaPlayer.Loops.Infinite)
            player.positionChanged.connect(lambda ms, i=i: self._on_position(i, ms))
            player.durationChanged.connect(self._on_duration)
            player.playbackStateChanged.connect(self._on_state)
        self.play_button = QPushButton("Play", self)
        self.play_button.setObjectName("pairPlay")
        self.play_button.setFixedWidth(88)
        self.play_button.setToolTip("Play or pause both sides (Space)")
        self.play_button.clicked.connect(self.toggle)
        self.scrubber = QSlider(Qt.Orientation.Horizontal, self)
        self.scrubber.setObjectName("pairScrubber")
        self.scrubber.setAccessibleName("Position")
        self.scrubber.sliderMoved.connect(self.seek)
        self.time = QLabel("0 s", self)
        self.time.setMinimumWidth(96)
        self.sound = QComboBox(self)
        self.sound.setObjectName("pairSound")
        self.sound.setAccessibleName("Sound from")
        self.sound.addItems(["Sound: left (A)", "Sound: right (B)", "Muted"])
        self.sound.currentIndexChanged.connect(
            lambda i: self.set_audible(i if i in (0, 1) else None))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(SPACING)
        row.addWidget(self.play_button)
        row.addWidget(self.scrubber, 1)
        row.addWidget(self.time)
        row.addWidget(self.sound)
        self.set_audible(0)

    def set_sources(self, paths: list[str | None]) -> None:
        """One local video path (or None for an image / empty side) per side."""
        self.stop()
        self.videos = [p is not None for p in paths]
        for player, path in zip(self.players, paths, strict=True):
            if path is not None:
                player.setSource(QUrl.fromLocalFile(path))
        self.setVisible(any(self.videos))

    def set_outputs(self, outputs: list[QObject | None]) -> None:
        """Where each side's frames go (the visible layout's video items)."""
        for player, output in zip(self.players, outputs, strict=True):
            player.setVideoOutput(output)

    def active(self) -> list[QMediaPlayer]:
        return [p for p, v in zip(self.players, self.videos, strict=True) if v]

    def play(self) -> None:
        for player in self.active():
            player.play()

    def pause(self) -> None:
        for player in self.active():
            player.pause()

    def toggle(self) -> None:
        playing = any(p.playbackState() == PLAYING for p in self.active())
        self.pause() if playing else self.play()

    def seek(self, ms: int) -> None:
        """Both sides to the same moment (a shorter clip stops at its end)."""
        for player in self.active():
            end = player.duration()
            player.setPosition(min(ms, end) if end > 0 else ms)

    def set_audible(self, side: int | None) -> None:
        for i, audio in enumerate(self.audio):
            audio.setMuted(i != side)

    def stop(self) -> None:
        for player in self.players:
            player.stop()
            player.setSource(QUrl())

    def _on_position(self, index: int, ms: int) -> None:
        active = self.active()
        if not active or active[0] is not self.players[index]:
            return
        if not self.scrubber.isSliderDown():
            self.scrubber.setValue(ms)
        self.time.setText(f"{duration(ms / 1000)} / {duration(self.scrubber.maximum() / 1000)}")
        for follower in active[1:]:
            if follower.playbackState() != PLAYING:
                continue
            end = follower.duration()
            target = ms % end if end > 0 else ms
            if abs(follower.position() - target) > DRIFT_MS:
                follower.setPosition(target)

    def _on_duration(self, _ms: int) -> None:
        self.scrubber.setRange(0, max(p.duration() for p in self.players))

    def _on_state(self, _state: QMediaPlayer.PlaybackState) -> None:
        playing = any(p.playbackState() == PLAYING for p in self.active())
        self.play_button.setText("Pause" if playing else "Play")
