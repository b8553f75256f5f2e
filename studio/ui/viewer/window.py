"""The viewer: images with wheel zoom and drag pan, videos with play/pause and a scrubber.
Left/Right move through the gallery, 1-5 rate, 0 clears, Space plays, Esc closes."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QKeySequence,
    QPalette,
    QPixmap,
    QShortcut,
)
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.jobs import Asset
from studio.ui.gallery import ASSET_ROLE, INFO_ROLE, GalleryModel
from studio.ui.widgets import SPACING, ImageLoader, ZoomView, duration, stars

MAX_SIDE = 8192


class ImageView(ZoomView):
    """Zoom around the cursor with the wheel, pan by dragging, double-click to fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageView")
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)

    def set_pixmap(self, pm: QPixmap | None) -> None:
        self.item.setPixmap(pm or QPixmap())
        self.scene().setSceneRect(self.item.boundingRect())
        self.fit()

    def fit(self) -> None:
        self.resetTransform()
        if not self.item.pixmap().isNull():
            self.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)
            if self.zoom() > 1:  # never blow small images up when fitting
                self.resetTransform()
        self.fitted = True


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
        self.play_button.setFixedWidth(88)
        self.play_button.clicked.connect(self.toggle)
        self.scrubber = QSlider(Qt.Orientation.Horizontal, self)
        self.scrubber.setObjectName("scrubber")
        self.scrubber.sliderMoved.connect(self.player.setPosition)
        self.time = QLabel("0 s", self)
        self.time.setMinimumWidth(96)
        self.player.durationChanged.connect(lambda ms: self.scrubber.setRange(0, ms))
        self.player.positionChanged.connect(self._on_position)
        self.player.playbackStateChanged.connect(self._on_state)
        controls = QHBoxLayout()
        controls.setSpacing(SPACING)
        controls.addWidget(self.play_button)
        controls.addWidget(self.scrubber, 1)
        controls.addWidget(self.time)
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

    def _on_position(self, ms: int) -> None:
        if not self.scrubber.isSliderDown():
            self.scrubber.setValue(ms)
        self.time.setText(f"{duration(ms / 1000)} / {duration(self.player.duration() / 1000)}")

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText("Pause" if playing else "Play")


class ViewerWindow(QWidget):
    """A separate, non-modal window over the gallery model."""

    rowChanged = Signal(int)

    def __init__(self, model: GalleryModel, loader: ImageLoader,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("viewer")
        self.setWindowTitle("Viewer — Provider Studio")
        self.model = model
        self.loader = loader
        self.row = -1
        self.asset: Asset | None = None
        self.image = ImageView(self)
        self.video = VideoView(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.image)
        self.stack.addWidget(self.video)
        self.title = QLabel(self)
        self.title.setObjectName("viewerTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.rating = QLabel(self)
        self.rating.setObjectName("viewerRating")
        self.position = QLabel(self)
        self.position.setProperty("role", "muted")
        self.prev_button = QPushButton("◀ Previous", self)
        self.next_button = QPushButton("Next ▶", self)
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        bar = QHBoxLayout()
        bar.setSpacing(SPACING)
        bar.addWidget(self.prev_button)
        bar.addWidget(self.title, 1)
        bar.addWidget(self.rating)
        bar.addWidget(self.position)
        bar.addWidget(self.next_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        box.setSpacing(SPACING)
        box.addWidget(self.stack, 1)
        box.addLayout(bar)
        self.resize(1000, 760)
        for seq, slot in ((Qt.Key.Key_Left, lambda: self.step(-1)),
                          (Qt.Key.Key_Right, lambda: self.step(1)),
                          (Qt.Key.Key_Space, self.video.toggle),
                          (Qt.Key.Key_Escape, self.close)):
            QShortcut(QKeySequence(seq), self, activated=slot)
        for key in range(6):
            QShortcut(QKeySequence(str(key)), self, activated=lambda k=key: self.rate(k or None))
        loader.loaded.connect(self._on_loaded)
        model.dataChanged.connect(self._on_data_changed)

    def show_row(self, row: int) -> None:
        found = self.model.asset_at(row)
        if found is None:
            return
        self.row = row
        self.asset, info = found
        self.video.stop()
        asset = self.asset
        if asset.media_type.startswith("video/"):
            self.stack.setCurrentWidget(self.video)
            self.video.load(asset.path)
        else:
            self.stack.setCurrentWidget(self.image)
            pm = self.loader.image(self._key(asset), asset.path, MAX_SIDE)
            self.image.set_pixmap(pm)
        size = f" · {asset.width}×{asset.height}" if asset.width else ""
        self.title.setText(f"{info.provider_name} · {info.model_name}{size} — {info.prompt[:80]}")
        self._update_bar()
        self.rowChanged.emit(row)

    @staticmethod
    def _key(asset: Asset) -> str:
        return f"full:{asset.sha256}"

    def _on_loaded(self, key: str) -> None:
        if self.asset is not None and key == self._key(self.asset):
            self.image.set_pixmap(self.loader.pixmap(key))

    def _on_data_changed(self, top, bottom, roles=()) -> None:
        if top.row() <= self.row <= bottom.row():
            asset = self.model.data(self.model.index(self.row), ASSET_ROLE)
            if asset is not None:
                self.asset = asset
                self._update_bar()

    def _update_bar(self) -> None:
        n = self.model.rowCount()
        self.rating.setText(stars(self.asset.rating if self.asset else None))
        self.position.setText(f"{self.row + 1} / {n}")
        self.prev_button.setEnabled(self.row > 0)
        self.next_button.setEnabled(self.row < n - 1)

    def step(self, delta: int) -> None:
        row = self.row + delta
        if 0 <= row < self.model.rowCount():
            self.show_row(row)

    def rate(self, rating: int | None) -> None:
        if self.asset is not None:
            self.model.session.studio.rate_asset(self.asset.id, rating)

    def info(self):
        return self.model.data(self.model.index(self.row), INFO_ROLE)

    def closeEvent(self, event) -> None:
        self.video.stop()
        super().closeEvent(event)
