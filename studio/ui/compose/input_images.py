"""Input images for img2img / img2video: file pickers with thumbnails, capped at the most
reference images any checked model accepts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from studio.ui.widgets import SPACING, ImageLoader

PREVIEW = 56
FILTER = "Images (*.png *.jpg *.jpeg *.webp)"


class InputImages(QWidget):
    changed = Signal()

    def __init__(self, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self._limit = 0
        self._dialog: QFileDialog | None = None
        self.list = QListWidget(self)
        self.list.setObjectName("inputImages")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setIconSize(QSize(PREVIEW, PREVIEW))
        self.list.setFixedHeight(PREVIEW + SPACING * 2 + 6)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setSpacing(2)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.setToolTip("Select and press Remove (or Delete) to drop an image")
        remove = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list)
        remove.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove.activated.connect(self.remove_selected)
        self.strip = self.list  # placed by the parent, under the controls row
        self.add_button = QPushButton("Add image…", self)
        self.add_button.setObjectName("addImage")
        self.add_button.clicked.connect(self.pick)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.hint = QLabel(self)
        self.hint.setObjectName("imagesHint")
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(SPACING)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addWidget(self.hint, 1)
        loader.loaded.connect(self._on_loaded)
        self.set_limit(0)

    def paths(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def set_paths(self, paths: list[str]) -> None:
        self.list.clear()
        for p in paths:
            self._append(p)
        self._update_buttons()
        self.changed.emit()

    def set_limit(self, limit: int) -> None:
        self._limit = limit
        self._update_buttons()

    def pick(self) -> None:
        """A non-modal file dialog (a nested exec() loop would block the async loop)."""
        dialog = QFileDialog(self, "Choose input images", str(Path.home()), FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(self.add_paths)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()

    def add_paths(self, paths: list[str]) -> None:
        for p in paths:
            if p not in self.paths():
                self._append(p)
        self._update_buttons()
        self.changed.emit()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self._update_buttons()
        self.changed.emit()

    def _append(self, path: str) -> None:
        item = QListWidgetItem(Path(path).name)
        item.setData(Qt.ItemDataRole.UserRole, path)
        item.setToolTip(path)
        item.setSizeHint(QSize(PREVIEW + 24, PREVIEW + 8))
        item.setText("")
        pm = self.loader.image(self._key(path), path, max_side=PREVIEW * 2)
        if pm is not None:
            item.setIcon(QIcon(pm))
        self.list.addItem(item)

    @staticmethod
    def _key(path: str) -> str:
        p = Path(path)
        try:
            stamp = p.stat().st_mtime_ns
        except OSError:
            stamp = 0
        return f"input:{p}:{stamp}"

    def _on_loaded(self, key: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if self._key(item.data(Qt.ItemDataRole.UserRole)) == key:
                pm = self.loader.pixmap(key)
                if pm is not None:
                    item.setIcon(QIcon(pm))

    def _update_buttons(self) -> None:
        count = self.list.count()
        self.add_button.setEnabled(count < self._limit)
        self.remove_button.setEnabled(bool(self.list.selectedItems()))
        if self._limit == 0:
            text = "The checked models take no input image."
        else:
            text = f"{count} of {self._limit} input image{'s' if self._limit > 1 else ''}"
            if count > self._limit:
                text += " (extra images are ignored)"
        self.hint.setText(text)
        self.list.setVisible(count > 0)
