"""The Compare tab's group page: title and brief, layout and view controls, the grid (or a
pair), the vote bar, and the keys that vote without the mouse."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.compare.delegate import CellDelegate
from studio.ui.compare.grid import PER_SCREEN, CompareGrid
from studio.ui.compare.model import CellModel
from studio.ui.compare.pair import Layout, PairView
from studio.ui.compare.votebar import VoteBar
from studio.ui.session import Session
from studio.ui.widgets import SPACING, FlowLayout, ImageLoader

LAYOUTS = [("Grid", None), ("Side by side", Layout.SIDE), ("Wipe", Layout.WIPE),
           ("Overlay", Layout.OVERLAY)]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class GroupPageHost(Protocol):
    """The Compare tab as this page sees it: the slots its controls call (the tab's module
    imports this one, so it is not imported back)."""

    @property
    def session(self) -> Session: ...

    @property
    def full_screen(self) -> bool: ...

    def set_layout(self, index: int) -> None: ...

    def _on_blind(self, on: bool) -> None: ...

    def set_full_screen(self, on: bool) -> None: ...

    def rerun_cell(self) -> None: ...

    def rerun_group(self) -> None: ...

    def _fill_add_menu(self) -> None: ...

    def open_current(self) -> None: ...

    def _on_current_cell(self, current: QModelIndex, previous: QModelIndex) -> None: ...

    def open_cell(self, row: int) -> None: ...

    def vote(self, winner: str | None = None, tie: bool = False,
             all_bad: bool = False) -> None: ...

    def rate(self, stars: int) -> None: ...

    def vote_letter(self, letter: str) -> None: ...


def _button(page: QWidget, text: str, tip: str, slot, name: str = "") -> QPushButton:
    button = QPushButton(text, page)
    button.setToolTip(tip)
    button.setAccessibleName(text)
    button.clicked.connect(slot)
    if name:
        button.setObjectName(name)
    return button


class GroupPage(QWidget):
    """The page's widgets, each wired to the tab's slots; the tab keeps them by name."""

    def __init__(self, tab: GroupPageHost, loader: ImageLoader, parent: QWidget) -> None:
        super().__init__(parent)
        page = self
        self.title = QLabel(page)
        self.title.setObjectName("compareTitle")
        self.title.setProperty("role", "heading")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.brief_line = QLabel(page)
        self.brief_line.setProperty("role", "muted")
        self.brief_line.setWordWrap(True)

        bar = FlowLayout(spacing=SPACING // 2)  # wraps in a narrow window
        self.layout_buttons = QButtonGroup(page)
        for i, (text, _) in enumerate(LAYOUTS):
            button = QToolButton(page)
            button.setText(text)
            button.setAccessibleName(f"{text} view")
            button.setCheckable(True)
            button.setChecked(i == 0)
            self.layout_buttons.addButton(button, i)
            bar.addWidget(button)
        self.layout_buttons.idClicked.connect(tab.set_layout)
        self.per_screen = QComboBox(page)
        self.per_screen.setObjectName("comparePerScreen")
        self.per_screen.setAccessibleName("Cells per screen")
        self.per_screen.setToolTip("How many cells the grid fits on one screen")
        for text, n in PER_SCREEN:
            self.per_screen.addItem(text, n)
        self.blind_box = QCheckBox("Blind", page)
        self.blind_box.setObjectName("blindMode")
        self.blind_box.setToolTip("Hide provider names and shuffle the order until you vote")
        self.blind_box.toggled.connect(tab._on_blind)
        self.full_button = QToolButton(page)
        self.full_button.setObjectName("compareFullScreen")
        self.full_button.setText("Full screen")
        self.full_button.setAccessibleName("Full screen")
        self.full_button.setToolTip("Show only the grid and the vote bar (F11; Esc leaves)")
        self.full_button.setCheckable(True)
        self.full_button.clicked.connect(tab.set_full_screen)
        for w in (self.per_screen, self.blind_box, self.full_button):
            bar.addWidget(w)
        self.rerun_cell_button = _button(page, "Re-run cell", "Send the selected cell's "
                                         "exact request again", tab.rerun_cell)
        self.rerun_group_button = _button(page, "Re-run group", "Send every cell's exact "
                                          "request again", tab.rerun_group)
        self.add_button = QToolButton(page)
        self.add_button.setText("Add target")
        self.add_button.setAccessibleName("Add target")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_menu = QMenu(self.add_button)
        self.add_menu.aboutToShow.connect(tab._fill_add_menu)
        self.add_button.setMenu(self.add_menu)
        self.open_button = _button(page, "Open in Viewer", "Show the selected cell in the "
                                   "Viewer (Enter or double-click)", tab.open_current,
                                   "compareOpen")
        for b in (self.open_button, self.rerun_cell_button, self.rerun_group_button,
                  self.add_button):
            bar.addWidget(b)

        self.cells = CellModel(tab.session, loader, self)
        self.grid = CompareGrid(page)
        self.per_screen.currentIndexChanged.connect(
            lambda _i: self.grid.set_per_screen(self.per_screen.currentData()))
        self.grid.setModel(self.cells)
        self.grid.setItemDelegate(CellDelegate(self.grid))
        self.grid.selectionModel().currentChanged.connect(tab._on_current_cell)
        self.grid.openRequested.connect(tab.open_cell)
        self.pair = PairView(loader, page)
        self.body = QStackedWidget(page)
        self.body.addWidget(self.grid)
        self.body.addWidget(self.pair)
        self.vote_bar = VoteBar(page)
        self.vote_bar.winnerChosen.connect(lambda job_id: tab.vote(winner=job_id))
        self.vote_bar.tieChosen.connect(lambda: tab.vote(tie=True))
        self.vote_bar.allBadChosen.connect(lambda: tab.vote(all_bad=True))
        self.vote_bar.ratingsSaved.connect(tab.vote)
        self.result = QLabel(page)
        self.result.setObjectName("voteResult")
        self.result.setWordWrap(True)
        box = QVBoxLayout(page)
        box.setContentsMargins(0, SPACING, 0, 0)
        box.setSpacing(SPACING)
        box.addWidget(self.title)
        box.addWidget(self.brief_line)
        box.addLayout(bar)
        box.addWidget(self.body, 1)
        box.addWidget(self.vote_bar)
        box.addWidget(self.result)
        _vote_keys(tab, self)


def _vote_keys(tab: GroupPageHost, page: GroupPage) -> None:
    """Vote, rate and save from the keyboard anywhere on the page (grid, pair, vote bar)."""
    context = Qt.ShortcutContext.WidgetWithChildrenShortcut

    def key(sequence: str | Qt.Key, slot) -> None:
        shortcut = QShortcut(QKeySequence(sequence), page)
        shortcut.setContext(context)
        shortcut.activated.connect(slot)

    for n in range(6):
        key(str(n), lambda n=n: tab.rate(n))
    for letter in LETTERS:
        key(letter, lambda letter=letter: tab.vote_letter(letter))
    key("=", lambda: tab.vote(tie=True) if page.vote_bar.tie_button.isEnabled() else None)
    key("-", lambda: tab.vote(all_bad=True) if page.vote_bar.bad_button.isEnabled() else None)
    key("Ctrl+S", lambda: tab.vote() if page.vote_bar.save_button.isEnabled() else None)
    key(Qt.Key.Key_F11, lambda: tab.set_full_screen(not tab.full_screen))
    key(Qt.Key.Key_Escape, lambda: tab.set_full_screen(False))
