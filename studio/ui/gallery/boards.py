"""The gallery's places: all outputs, the artist's boards and the trash. Outputs dragged
from the grid onto a board join it; onto the trash they are trashed (restorable until the
trash is emptied)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QInputDialog,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.events import EventKind, StoreEvent
from studio.core.library import LibraryError
from studio.ui.gallery.model import ASSET_IDS_MIME
from studio.ui.session import Session
from studio.ui.widgets import SPACING

Index = QModelIndex | QPersistentModelIndex
ALL, TRASH, BOARD = "all", "trash", "board"
PLACE_ROLE = Qt.ItemDataRole.UserRole + 50  # (kind, board id or None)


class BoardListModel(QAbstractListModel):
    dropped = Signal(str, str, int)  # what happened ("board", "trash"), where, how many

    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.library = session.studio.library
        self._rows: list[tuple[str, str | None, str, int]] = []
        self._reload = QTimer(self, singleShot=True, interval=60)
        self._reload.timeout.connect(self.reload)
        session.storeEvent.connect(self._on_event)
        self.reload()

    def _on_event(self, event: StoreEvent) -> None:
        if event.kind in (EventKind.LIBRARY_CHANGED, EventKind.ASSET_ADDED):
            self._reload.start()

    def reload(self) -> None:
        if self.session.closed:
            return
        boards = self.library.boards()
        self.beginResetModel()
        self._rows = [(ALL, None, "All outputs", -1),
                      *[(BOARD, b.id, b.name, b.count) for b in boards],
                      (TRASH, None, "Trash", self.library.trash_count())]
        self.endResetModel()

    def place(self, row: int) -> tuple[str, str | None]:
        kind, board, _name, _n = self._rows[row] if 0 <= row < len(self._rows) else (ALL, None,
                                                                                    "", 0)
        return kind, board

    def row_of(self, kind: str, board: str | None = None) -> int:
        return next((i for i, r in enumerate(self._rows) if r[0] == kind and r[1] == board), 0)

    def name(self, row: int) -> str:
        return self._rows[row][2]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        kind, board, name, count = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return name if count < 0 else f"{name} ({count})"
        if role == PLACE_ROLE:
            return kind, board
        if role == Qt.ItemDataRole.ToolTipRole:
            return {ALL: "Every output that is not in the Trash",
                    TRASH: "Outputs you deleted: restore them, or empty the Trash to delete "
                           "their files"}.get(kind, "Drop outputs here to add them to this "
                                                    "board")
        return None

    # -- drops --------------------------------------------------------------------------

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and self._rows[index.row()][0] in (BOARD, TRASH):
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        return [ASSET_IDS_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: Index) -> bool:
        return data.hasFormat(ASSET_IDS_MIME) and parent.isValid() and bool(
            self.flags(parent) & Qt.ItemFlag.ItemIsDropEnabled)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: Index) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        ids = [i for i in bytes(data.data(ASSET_IDS_MIME).data()).decode().split("\n") if i]
        return self.drop(parent.row(), ids)

    def drop(self, row: int, ids: list[str]) -> bool:
        kind, board = self.place(row)
        if kind == BOARD and board is not None:
            added = self.library.add_to_board(board, ids)
            self.dropped.emit(BOARD, self.name(row), added)
            return True
        if kind == TRASH:
            self.dropped.emit(TRASH, "Trash", self.library.trash(ids))
            return True
        return False


class BoardsPanel(QWidget):
    placeChanged = Signal(str, object)  # kind, board id

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryBoards")
        self.session = session
        self.model = BoardListModel(session, self)
        self.model.dropped.connect(self._on_dropped)
        self.view = QListView(self)
        self.view.setObjectName("boardList")
        self.view.setAccessibleName("Boards")
        self.view.setModel(self.model)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.selectionModel().currentChanged.connect(
            lambda cur, _prev: self.placeChanged.emit(*self.model.place(cur.row())))
        self.model.modelReset.connect(self._keep_current)
        self.new_button = QPushButton("New board…", self)
        self.new_button.setObjectName("newBoard")
        self.new_button.setAccessibleName("New board")
        self.new_button.setToolTip("A named collection: drag outputs onto it")
        self.new_button.clicked.connect(self.ask_new)
        self._dialog: QInputDialog | None = None
        self._place: tuple[str, str | None] = (ALL, None)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(SPACING // 2)
        box.addWidget(self.view, 1)
        box.addWidget(self.new_button)
        self.setMinimumWidth(120)
        self.view.setCurrentIndex(self.model.index(0))
        self.placeChanged.connect(lambda kind, board: setattr(self, "_place", (kind, board)))

    def place(self) -> tuple[str, str | None]:
        return self._place

    def select(self, kind: str, board: str | None = None) -> None:
        self.view.setCurrentIndex(self.model.index(self.model.row_of(kind, board)))

    def _keep_current(self) -> None:
        row = self.model.row_of(*self._place)
        self.view.selectionModel().blockSignals(True)
        self.view.setCurrentIndex(self.model.index(row))
        self.view.selectionModel().blockSignals(False)
        if self.model.place(row) != self._place:  # the board is gone
            self._place = self.model.place(row)
            self.placeChanged.emit(*self._place)

    def _on_dropped(self, kind: str, where: str, count: int) -> None:
        if kind == TRASH:
            text = f"Moved {count} output{'s' if count != 1 else ''} to the Trash"
        else:
            text = (f"Added {count} output{'s' if count != 1 else ''} to “{where}”" if count
                    else f"Already on “{where}”")
        self.session.toast.emit("info", text)

    # -- naming -------------------------------------------------------------------------

    def ask_new(self) -> QInputDialog:
        return self._ask("New board", "Name of the new board:", "", self.create_board)

    def _ask(self, title: str, label: str, text: str, done) -> QInputDialog:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(text)
        dialog.textValueSelected.connect(done)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()  # never exec(): a nested loop inside the async loop fails
        return dialog

    def create_board(self, name: str) -> None:
        try:
            board = self.session.studio.library.create_board(name)
        except LibraryError as exc:
            self.session.toast.emit("error", f"No board made: {exc}")
            return
        self.model.reload()
        self.select(BOARD, board.id)

    def rename(self, board_id: str, name: str) -> None:
        try:
            self.session.studio.library.rename_board(board_id, name)
        except LibraryError as exc:
            self.session.toast.emit("error", f"Not renamed: {exc}")
        self.model.reload()

    def delete(self, board_id: str) -> None:
        self.session.studio.library.delete_board(board_id)
        self.model.reload()
        self.session.toast.emit("info", "Board deleted; its outputs are still in the gallery.")

    def _menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        kind, board = self.model.place(index.row()) if index.isValid() else (ALL, None)
        menu = QMenu(self)
        menu.addAction("New board…", self.ask_new)
        if kind == BOARD and board is not None:
            name = self.model.name(index.row())
            menu.addAction("Rename…", lambda: self._ask(
                "Rename board", "New name:", name, lambda text: self.rename(board, text)))
            menu.addAction("Delete board (keeps its outputs)", lambda: self.delete(board))
        menu.popup(self.view.viewport().mapToGlobal(pos))
