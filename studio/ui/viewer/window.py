"""The viewer: images with wheel zoom, drag pan, fit and 1:1; videos with the player's
controls. It walks a source (the gallery, or a compare group's cells): Left/Right or
Previous/Next move, 1-5 rate, 0 clears, Space plays, `,` `.` step frames, Esc closes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.jobs import Asset
from studio.ui.gallery import ASSET_ROLE
from studio.ui.iterate import AssetActions, DragSource, copy_assets
from studio.ui.viewer.frames import FrameSaver
from studio.ui.viewer.video import VideoView
from studio.ui.widgets import SPACING, ImageLoader, ZoomView, stars

if TYPE_CHECKING:
    from studio.ui.session import Session

MAX_SIDE = 8192


class ViewerSource(Protocol):
    """What the viewer walks: the gallery model, or a compare group's cells."""

    dataChanged: Any

    def rowCount(self, parent: Any = ...) -> int: ...
    def asset_at(self, row: int) -> tuple[Asset, Any] | None: ...
    def index(self, row: int, column: int = 0, parent: Any = ...) -> Any: ...
    def data(self, index: Any, role: int = ...) -> Any: ...


class ImageView(ZoomView):
    """Zoom around the cursor with the wheel, pan by dragging, double-click to fit."""

    zoomChanged = Signal(float)

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
        self.zoomChanged.emit(self.zoom())

    def actual_pixels(self) -> None:
        """1:1: one image pixel per screen pixel, centred on what was in the middle."""
        centre = self.center()
        self.resetTransform()
        self.centerOn(centre)
        self.fitted = False
        self.zoomChanged.emit(self.zoom())

    def _zoomed(self) -> None:
        self.zoomChanged.emit(self.zoom())


class ViewerWindow(QWidget):
    """A separate, non-modal window over a source of outputs."""

    rowChanged = Signal(int)

    def __init__(self, model: ViewerSource, loader: ImageLoader, parent: QWidget | None = None,
                 *, session: Any = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("viewer")
        self.setWindowTitle("Viewer — Provider Studio")
        self.model = model
        self.session = session if session is not None else getattr(model, "session", None)
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
        self.zoom_label = QLabel(self)
        self.zoom_label.setObjectName("viewerZoom")
        self.zoom_label.setProperty("role", "muted")
        self.prev_button = QPushButton("◀ Previous", self)
        self.prev_button.setAccessibleName("Previous")
        self.prev_button.setToolTip("Previous (Left)")
        self.next_button = QPushButton("Next ▶", self)
        self.next_button.setAccessibleName("Next")
        self.next_button.setToolTip("Next (Right)")
        self.fit_button = QToolButton(self)
        self.fit_button.setText("Fit")
        self.fit_button.setObjectName("viewerFit")
        self.fit_button.setAccessibleName("Fit to window")
        self.fit_button.setToolTip("Fit to the window (F, or double-click)")
        self.actual_button = QToolButton(self)
        self.actual_button.setText("1:1")
        self.actual_button.setObjectName("viewerActual")
        self.actual_button.setAccessibleName("Actual pixels")
        self.actual_button.setToolTip("One image pixel per screen pixel (Z)")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.fit_button.clicked.connect(self.image.fit)
        self.actual_button.clicked.connect(self.image.actual_pixels)
        self.image.zoomChanged.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        self.iterate: AssetActions | None = None
        self.frames: FrameSaver | None = None
        if self.session is not None:
            self._add_iterate(self.session)
        bar = QHBoxLayout()
        bar.setSpacing(SPACING)
        bar.addWidget(self.prev_button)
        bar.addWidget(self.title, 1)
        bar.addWidget(self.rating)
        bar.addWidget(self.zoom_label)
        bar.addWidget(self.fit_button)
        bar.addWidget(self.actual_button)
        bar.addWidget(self.position)
        if self.iterate is not None:
            bar.addWidget(self.drag_handle)
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
                          (Qt.Key.Key_Comma, lambda: self.video.step_frames(-1)),
                          (Qt.Key.Key_Period, lambda: self.video.step_frames(1)),
                          (Qt.Key.Key_M, self.video.toggle_mute),
                          (Qt.Key.Key_L, lambda: self.video.set_loop(
                              not self.video.loop.isChecked())),
                          (Qt.Key.Key_F, self.image.fit),
                          (Qt.Key.Key_Z, self.image.actual_pixels),
                          (Qt.Key.Key_Escape, self.close)):
            QShortcut(QKeySequence(seq), self, activated=slot)
        for key in range(6):
            QShortcut(QKeySequence(str(key)), self, activated=lambda k=key: self.rate(k or None))
        loader.loaded.connect(self._on_loaded)
        model.dataChanged.connect(self._on_data_changed)

    def _add_iterate(self, session: Session) -> None:
        """Use as input and the rest (right-click), a handle that drags the output into
        Compose, Ctrl+C, and for videos Save frame / Save last frame."""
        self.iterate = AssetActions(session, self, self._shown_ids, self.loader)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.drag_handle = QLabel("⠿ Drag", self)  # a label: no button left pressed
        self.drag_handle.setObjectName("viewerDrag")
        self.drag_handle.setCursor(Qt.CursorShape.OpenHandCursor)
        self.drag_handle.setToolTip("Drag this output into Compose (or a file manager); "
                                    "right-click the picture to use it as an input")
        self.drag = DragSource(self.drag_handle, session.studio, self._shown_ids)
        copy = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self)
        copy.activated.connect(lambda: copy_assets(session.studio, self._shown_ids()))
        self.frames = FrameSaver(session, self.video, lambda: self.asset, self)

    def _shown_ids(self) -> list[str]:
        return [self.asset.id] if self.asset is not None else []

    def _context_menu(self, pos: QPoint) -> QMenu | None:
        if self.iterate is None or self.asset is None:
            return None
        menu = QMenu(self)
        studio = self.iterate.session.studio
        menu.addAction("Copy", lambda: copy_assets(studio, self._shown_ids()))
        if self.frames is not None and self.asset.media_type.startswith("video/"):
            menu.addAction(self.frames.frame_action)
            menu.addAction(self.frames.last_action)
        self.iterate.fill(menu)
        menu.popup(self.mapToGlobal(pos))
        return menu

    def set_source(self, model: ViewerSource) -> None:
        """Walk another source (the gallery, a compare group) from now on."""
        if model is self.model:
            return
        self.model.dataChanged.disconnect(self._on_data_changed)
        self.model = model
        model.dataChanged.connect(self._on_data_changed)

    def show_row(self, row: int) -> None:
        found = self.model.asset_at(row)
        if found is None:
            return
        self.row = row
        self.asset, info = found
        self.video.stop()
        asset = self.asset
        is_video = asset.media_type.startswith("video/")
        if is_video:
            self.stack.setCurrentWidget(self.video)
            self.video.load(asset.path)
        else:
            self.stack.setCurrentWidget(self.image)
            pm = self.loader.image(self._key(asset), asset.path, MAX_SIDE)
            self.image.set_pixmap(pm)
        for w in (self.fit_button, self.actual_button, self.zoom_label):
            w.setVisible(not is_video)
        if self.iterate is not None:
            self.iterate.update()
        size = f" · {asset.width}×{asset.height}" if asset.width else ""
        # A sandbox render says so first: it must never pass for the provider's output.
        mark = "SANDBOX RENDER · " if info.sandbox else ""
        self.title.setText(f"{mark}{info.provider_name} · {info.model_name}{size} — "
                           f"{info.prompt[:80]}")
        self.title.setToolTip(("Made by the local emulator, not by the provider.\n"
                               if info.sandbox else "") + info.prompt)
        self.setWindowTitle(f"Viewer{' (sandbox render)' if info.sandbox else ''} — "
                            "Provider Studio")
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
            asset = self.model.data(self.model.index(self.row, 0), ASSET_ROLE)
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
        if self.asset is not None and self.session is not None:
            self.session.studio.rate_asset(self.asset.id, rating)

    def info(self) -> Any:
        found = self.model.asset_at(self.row)
        return found[1] if found else None

    def closeEvent(self, event) -> None:
        self.video.stop()
        super().closeEvent(event)
