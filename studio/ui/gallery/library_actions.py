"""What the gallery does to its outputs: open, copy the picture, add to a board, take off a
board, move to the Trash (Del; Ctrl+Z undoes), restore, and empty the Trash (files
deleted, after a confirmation). All of it goes through the service's library."""

from __future__ import annotations

from functools import partial
from typing import Protocol

from PySide6.QtCore import QMimeData, QObject, Qt, QUrl
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QListView, QMenu, QMessageBox

from studio.ui.gallery.boards import BOARD, TRASH, BoardsPanel
from studio.ui.gallery.model import GalleryModel
from studio.ui.session import Session

FULL_SIDE = 8192


class GalleryHost(Protocol):
    """What these actions use of the Gallery tab (its module imports this one)."""

    @property
    def session(self) -> Session: ...

    @property
    def view(self) -> QListView: ...

    @property
    def model(self) -> GalleryModel: ...

    @property
    def boards(self) -> BoardsPanel: ...

    def current_row(self) -> int: ...

    def selected_asset_ids(self) -> list[str]: ...

    def _open_current(self) -> None: ...


class LibraryActions(QObject):
    def __init__(self, tab: GalleryHost) -> None:
        super().__init__(tab.view)
        self.tab = tab
        self.session = tab.session
        self.library = tab.session.studio.library
        self.last_trashed: list[str] = []
        self._copy_pending: tuple[str, list[QUrl]] | None = None
        self.confirm: QMessageBox | None = None
        view = tab.view

        def act(name: str, text: str, slot, shortcut=None, tip: str = "") -> QAction:
            action = QAction(text, view)
            action.setObjectName(name)
            action.triggered.connect(slot)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            if tip:
                action.setToolTip(tip)
            view.addAction(action)
            return action

        self.open_action = act("galleryOpen", "Open", tab._open_current)
        self.copy_action = act("galleryCopy", "Copy picture", self.copy_selected,
                               QKeySequence.StandardKey.Copy,
                               "The picture (and its file) to the clipboard")
        self.board_menu = QMenu("Add to board", view)
        self.board_menu.aboutToShow.connect(self._fill_boards)
        self.board_action = self.board_menu.menuAction()
        self.board_action.setObjectName("galleryAddToBoard")
        view.addAction(self.board_action)
        self.unboard_action = act("galleryRemoveFromBoard", "Remove from this board",
                                  self.remove_from_board)
        self.trash_action = act("galleryTrash", "Move to Trash", self.trash_selected,
                                QKeySequence.StandardKey.Delete,
                                "Hidden at once; the files go when the Trash is emptied")
        self.undo_action = act("galleryUndoTrash", "Undo move to Trash", self.undo_trash,
                               QKeySequence.StandardKey.Undo)
        self.restore_action = act("galleryRestore", "Restore", self.restore_selected)
        self.empty_action = act("galleryEmptyTrash", "Empty Trash…", self.ask_empty_trash)
        self.tab.model.loader.loaded.connect(self._on_loaded)

    def update_actions(self) -> None:
        kind, _board = self.tab.boards.place()
        selected = self.tab.current_row() >= 0
        for action in (self.open_action, self.copy_action, self.board_action):
            action.setEnabled(selected)
        self.unboard_action.setVisible(kind == BOARD)
        self.trash_action.setVisible(kind != TRASH)
        self.trash_action.setEnabled(selected)
        self.undo_action.setVisible(kind != TRASH)
        self.undo_action.setEnabled(bool(self.last_trashed))
        self.restore_action.setVisible(kind == TRASH)
        self.restore_action.setEnabled(selected)
        self.empty_action.setVisible(kind == TRASH)

    # -- boards -------------------------------------------------------------------------

    def _fill_boards(self) -> None:
        self.board_menu.clear()
        for board in self.library.boards():
            self.board_menu.addAction(board.name, partial(self.add_to_board, board.id))
        if self.board_menu.isEmpty():
            self.board_menu.addAction("No boards yet").setEnabled(False)
        self.board_menu.addSeparator()
        self.board_menu.addAction("New board…", self.tab.boards.ask_new)

    def add_to_board(self, board_id: str) -> int:
        ids = self.tab.selected_asset_ids()
        added = self.library.add_to_board(board_id, ids)
        name = self.library.board(board_id).name
        self.session.toast.emit("info", f"Added {added} output{'s' if added != 1 else ''} to "
                                        f"“{name}”" if added else f"Already on “{name}”")
        return added

    def remove_from_board(self) -> None:
        _kind, board = self.tab.boards.place()
        if board is not None:
            n = self.library.remove_from_board(board, self.tab.selected_asset_ids())
            self.session.toast.emit("info", f"Took {n} output{'s' if n != 1 else ''} off "
                                            "this board (they stay in the gallery)")

    # -- trash --------------------------------------------------------------------------

    def trash_selected(self) -> int:
        ids = self.tab.selected_asset_ids()
        if not ids:
            return 0
        n = self.library.trash(ids)
        self.last_trashed = ids
        self.update_actions()
        self.session.toast.emit("info", f"Moved {n} output{'s' if n != 1 else ''} to the Trash "
                                        "(Ctrl+Z undoes; the files stay until it is emptied)")
        return n

    def undo_trash(self) -> None:
        if self.last_trashed:
            n = self.library.restore(self.last_trashed)
            self.last_trashed = []
            self.update_actions()
            self.session.toast.emit("info", f"Restored {n} output{'s' if n != 1 else ''}")

    def restore_selected(self) -> None:
        ids = self.tab.selected_asset_ids()
        n = self.library.restore(ids)
        self.session.toast.emit("info", f"Restored {n} output{'s' if n != 1 else ''}")

    def ask_empty_trash(self) -> QMessageBox:
        n = self.library.trash_count()
        what = f"{n} outputs and their files" if n != 1 else "1 output and its files"
        box = QMessageBox(QMessageBox.Icon.Warning, "Empty the Trash?",
                          f"Delete {what} for good? This cannot be undone.",
                          QMessageBox.StandardButton.Cancel, self.tab.view.window())
        delete = box.addButton("Delete files", QMessageBox.ButtonRole.DestructiveRole)
        box.buttonClicked.connect(lambda b: self.empty_trash() if b is delete else None)
        box.finished.connect(box.deleteLater)
        self.confirm = box
        box.open()  # never exec(): a nested loop inside the async loop fails
        return box

    def empty_trash(self) -> None:
        result = self.library.empty_trash()
        self.last_trashed = []
        kept = f"; {len(result.kept)} file(s) outside the outputs folder were left" \
            if result.kept else ""
        self.session.toast.emit("success", f"Trash emptied: {result.outputs} output"
                                           f"{'s' if result.outputs != 1 else ''} deleted"
                                           f"{kept}")

    # -- clipboard ----------------------------------------------------------------------

    def copy_selected(self) -> None:
        """The file(s) at once; the picture as soon as it is decoded (off this thread)."""
        ids = self.tab.selected_asset_ids()
        assets = self.session.studio.assets(ids)
        if not assets:
            return
        urls = [QUrl.fromLocalFile(assets[i].path) for i in ids if i in assets]
        data = QMimeData()
        data.setUrls(urls)
        first = assets[ids[0]] if ids[0] in assets else next(iter(assets.values()))
        QGuiApplication.clipboard().setMimeData(data)  # the clipboard owns it from here
        if first.media_type.startswith("image/"):
            key = f"full:{first.sha256}"
            self._copy_pending = (key, urls)
            pm = self.tab.model.loader.image(key, first.path, FULL_SIDE)
            if pm is not None:
                self._on_loaded(key)
        self.session.toast.emit("info", "Picture copied to the clipboard" if len(ids) == 1
                                else f"{len(ids)} files copied to the clipboard")

    def _on_loaded(self, key: str) -> None:
        if self._copy_pending is None or self._copy_pending[0] != key:
            return
        _key, urls = self._copy_pending
        self._copy_pending = None
        pm = self.tab.model.loader.pixmap(key)
        if pm is not None:
            copy = QMimeData()
            copy.setUrls(urls)
            copy.setImageData(pm.toImage())
            QGuiApplication.clipboard().setMimeData(copy)
