"""The saved storyboards: the list, New, Duplicate, Delete (asked, with Undo), Import and
Export. `chosen(id | None)` says which one the tab shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.sequences.storyboard_spec import (
    ImportError_,
    SceneSpec,
    StoryboardSpec,
    from_text,
)
from studio.ui.session import Session

ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _button(parent: QWidget, text: str, name: str, tip: str = "") -> QPushButton:
    b = QPushButton(text, parent)
    b.setObjectName(name)
    b.setMinimumWidth(40)
    if tip:
        b.setToolTip(tip)
    return b


class BoardList(QWidget):
    chosen = Signal(object)  # a storyboard id, or None

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.studio = session.studio
        self.deleted: dict[str, Any] | None = None  # the last deleted row, for Undo
        self.list = QListWidget(self)
        self.list.setObjectName("storyboardList")
        self.list.setAccessibleName("Storyboards")
        self.list.currentItemChanged.connect(
            lambda item, _old: self.chosen.emit(item.data(ID_ROLE) if item else None))
        self.new_button = _button(self, "New", "newStoryboard", "A new storyboard (Ctrl+N)")
        self.duplicate_button = _button(self, "Duplicate", "duplicateStoryboard")
        self.delete_button = _button(self, "Delete…", "deleteStoryboard",
                                     "Delete the storyboard (its outputs stay in the gallery)")
        self.import_button = _button(self, "Import…", "importStoryboard",
                                     "A storyboard JSON file, or an assistant's draft")
        self.export_button = _button(self, "Export…", "exportStoryboard")
        self.write_button = _button(self, "Write storyboard…", "writeStoryboard",
                                    "The assistant's Director and Critic draft a storyboard "
                                    "from a brief (nothing is rendered)")
        self.undo_button = _button(self, "Undo delete", "undoDelete")
        self.undo_button.hide()
        self.new_button.clicked.connect(self.new_board)
        self.duplicate_button.clicked.connect(self.duplicate_board)
        self.delete_button.clicked.connect(self.ask_delete)
        self.import_button.clicked.connect(self.import_dialog)
        self.export_button.clicked.connect(self.export_dialog)
        self.undo_button.clicked.connect(self.undo_delete)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Storyboards</b>", self))
        layout.addWidget(self.list, 1)
        grid = QGridLayout()
        for i, b in enumerate((self.new_button, self.duplicate_button, self.delete_button,
                               self.import_button, self.export_button)):
            grid.addWidget(b, i // 2, i % 2)
        layout.addLayout(grid)
        layout.addWidget(self.write_button)
        layout.addWidget(self.undo_button)
        self.setMinimumWidth(150)

    @property
    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    def refresh(self, current: str | None) -> list[str]:
        """Fill the list (marking `current`); returns the ids, newest first."""
        rows = self.studio.storyboard_rows()
        with QSignalBlocker(self.list):
            self.list.clear()
            for row in rows:
                item = QListWidgetItem(f"{row['title']}\n{row['scenes']} scenes · "
                                       f"{row['status'].replace('_', '-')}")
                item.setData(ID_ROLE, row["id"])
                self.list.addItem(item)
                if row["id"] == current:
                    self.list.setCurrentItem(item)
        for b in (self.duplicate_button, self.delete_button, self.export_button):
            b.setEnabled(current is not None)
        return [r["id"] for r in rows]

    def mark(self, board_id: str | None) -> None:
        with QSignalBlocker(self.list):
            for i in range(self.list.count()):
                if self.list.item(i).data(ID_ROLE) == board_id:
                    self.list.setCurrentRow(i)

    def new_board(self) -> str:
        spec = StoryboardSpec(title="New storyboard",
                              scenes=[SceneSpec(prompt="Describe the first scene")])
        board_id = self.studio.save_storyboard(spec)
        self.chosen.emit(board_id)
        return board_id

    def duplicate_board(self) -> None:
        if self.current_id is not None:
            self.chosen.emit(self.studio.storyboards.duplicate(self.current_id).id)

    def ask_delete(self) -> QMessageBox | None:
        board_id = self.current_id
        if board_id is None:
            return None
        title = self.studio.storyboards.require(board_id).spec.title
        box = QMessageBox(QMessageBox.Icon.Question, "Delete storyboard",
                          f"Delete “{title}”? Its jobs and outputs stay in the gallery, and "
                          "Undo delete puts it back.", QMessageBox.StandardButton.Cancel, self)
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setObjectName("deleteStoryboardQuestion")
        box.buttonClicked.connect(lambda b: self.delete_board(board_id) if b is delete
                                  else None)
        box.open()
        return box

    def delete_board(self, board_id: str) -> None:
        self.deleted = self.studio.storyboards.snapshot(board_id)
        self.studio.storyboards.delete(board_id)
        self.undo_button.setText(f"Undo delete of “{self.deleted['title']}”")
        self.undo_button.show()
        self.chosen.emit(None)

    def undo_delete(self) -> None:
        if self.deleted is None:
            return
        board = self.studio.storyboards.restore(self.deleted)
        self.deleted = None
        self.undo_button.hide()
        self.chosen.emit(board.id)

    def import_file(self, path: str | Path) -> str | None:
        try:
            spec = from_text(Path(path).read_bytes())
        except (OSError, ImportError_) as exc:
            self.session.toast.emit("error", f"Could not import {Path(path).name}: {exc}")
            return None
        board_id = self.studio.save_storyboard(spec)
        self.chosen.emit(board_id)
        self.session.toast.emit("success", f"Imported “{spec.title}” "
                                           f"({len(spec.scenes)} scenes). Nothing was sent.")
        return board_id

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import storyboard", "",
                                              "Storyboard JSON (*.json)")
        if path:
            self.import_file(path)

    def export_file(self, path: str | Path) -> None:
        if self.current_id is not None:
            Path(path).write_text(self.studio.storyboards.export_json(self.current_id),
                                  encoding="utf-8")
            self.session.toast.emit("success", f"Exported to {path}")

    def export_dialog(self) -> None:
        board_id = self.current_id
        if board_id is None:
            return
        title = self.studio.storyboards.require(board_id).spec.title
        path, _ = QFileDialog.getSaveFileName(self, "Export storyboard", f"{title}.json",
                                              "Storyboard JSON (*.json)")
        if path:
            self.export_file(path)
