"""The Compare tab's group page: title and brief, layout and view controls, the grid (or a
pair), the vote bar, and the keys that vote without the mouse."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
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
from studio.ui.widgets import SPACING, FlowLayout, ImageLoader

if TYPE_CHECKING:
    from studio.ui.compare.view import CompareTab

LAYOUTS = [("Grid", None), ("Side by side", Layout.SIDE), ("Wipe", Layout.WIPE),
           ("Overlay", Layout.OVERLAY)]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _button(page: QWidget, text: str, tip: str, slot, name: str = "") -> QPushButton:
    button = QPushButton(text, page)
    button.setToolTip(tip)
    button.setAccessibleName(text)
    button.clicked.connect(slot)
    if name:
        button.setObjectName(name)
    return button


def build_group_page(tab: CompareTab, loader: ImageLoader) -> QWidget:
    """Make the page's widgets as attributes of `tab` and wire them to its slots."""
    page = QWidget(tab)
    tab.title = QLabel(page)
    tab.title.setObjectName("compareTitle")
    tab.title.setProperty("role", "heading")
    tab.title.setWordWrap(True)
    tab.title.setTextFormat(Qt.TextFormat.PlainText)
    tab.brief_line = QLabel(page)
    tab.brief_line.setProperty("role", "muted")
    tab.brief_line.setWordWrap(True)

    bar = FlowLayout(spacing=SPACING // 2)  # wraps in a narrow window
    tab.layout_buttons = QButtonGroup(page)
    for i, (text, _) in enumerate(LAYOUTS):
        button = QToolButton(page)
        button.setText(text)
        button.setAccessibleName(f"{text} view")
        button.setCheckable(True)
        button.setChecked(i == 0)
        tab.layout_buttons.addButton(button, i)
        bar.addWidget(button)
    tab.layout_buttons.idClicked.connect(tab.set_layout)
    tab.per_screen = QComboBox(page)
    tab.per_screen.setObjectName("comparePerScreen")
    tab.per_screen.setAccessibleName("Cells per screen")
    tab.per_screen.setToolTip("How many cells the grid fits on one screen")
    for text, n in PER_SCREEN:
        tab.per_screen.addItem(text, n)
    tab.per_screen.currentIndexChanged.connect(
        lambda _i: tab.grid.set_per_screen(tab.per_screen.currentData()))
    tab.blind_box = QCheckBox("Blind", page)
    tab.blind_box.setObjectName("blindMode")
    tab.blind_box.setToolTip("Hide provider names and shuffle the order until you vote")
    tab.blind_box.toggled.connect(tab._on_blind)
    tab.full_button = QToolButton(page)
    tab.full_button.setObjectName("compareFullScreen")
    tab.full_button.setText("Full screen")
    tab.full_button.setAccessibleName("Full screen")
    tab.full_button.setToolTip("Show only the grid and the vote bar (F11; Esc leaves)")
    tab.full_button.setCheckable(True)
    tab.full_button.clicked.connect(tab.set_full_screen)
    for w in (tab.per_screen, tab.blind_box, tab.full_button):
        bar.addWidget(w)
    tab.rerun_cell_button = _button(page, "Re-run cell", "Send the selected cell's exact "
                                    "request again", tab.rerun_cell)
    tab.rerun_group_button = _button(page, "Re-run group", "Send every cell's exact request "
                                     "again", tab.rerun_group)
    tab.add_button = QToolButton(page)
    tab.add_button.setText("Add target")
    tab.add_button.setAccessibleName("Add target")
    tab.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    tab.add_menu = QMenu(tab.add_button)
    tab.add_menu.aboutToShow.connect(tab._fill_add_menu)
    tab.add_button.setMenu(tab.add_menu)
    tab.open_button = _button(page, "Open in Viewer", "Show the selected cell in the Viewer "
                              "(Enter or double-click)", tab.open_current, "compareOpen")
    for w in (tab.open_button, tab.rerun_cell_button, tab.rerun_group_button, tab.add_button):
        bar.addWidget(w)

    tab.cells = CellModel(tab.session, loader, tab)
    tab.grid = CompareGrid(page)
    tab.grid.setModel(tab.cells)
    tab.grid.setItemDelegate(CellDelegate(tab.grid))
    tab.grid.selectionModel().currentChanged.connect(tab._on_current_cell)
    tab.grid.openRequested.connect(tab.open_cell)
    tab.pair = PairView(loader, page)
    tab.body = QStackedWidget(page)
    tab.body.addWidget(tab.grid)
    tab.body.addWidget(tab.pair)
    tab.vote_bar = VoteBar(page)
    tab.vote_bar.winnerChosen.connect(lambda job_id: tab.vote(winner=job_id))
    tab.vote_bar.tieChosen.connect(lambda: tab.vote(tie=True))
    tab.vote_bar.allBadChosen.connect(lambda: tab.vote(all_bad=True))
    tab.vote_bar.ratingsSaved.connect(tab.vote)
    tab.result = QLabel(page)
    tab.result.setObjectName("voteResult")
    tab.result.setWordWrap(True)
    box = QVBoxLayout(page)
    box.setContentsMargins(0, SPACING, 0, 0)
    box.setSpacing(SPACING)
    box.addWidget(tab.title)
    box.addWidget(tab.brief_line)
    box.addLayout(bar)
    box.addWidget(tab.body, 1)
    box.addWidget(tab.vote_bar)
    box.addWidget(tab.result)
    _vote_keys(tab, page)
    return page


def _vote_keys(tab: CompareTab, page: QWidget) -> None:
    """Vote, rate and save from the keyboard anywhere on the page (grid, pair, vote bar)."""
    context = Qt.ShortcutContext.WidgetWithChildrenShortcut

    def key(sequence: str | Qt.Key, slot) -> None:
        QShortcut(QKeySequence(sequence), page, activated=slot, context=context)

    for n in range(6):
        key(str(n), lambda n=n: tab.rate(n))
    for letter in LETTERS:
        key(letter, lambda letter=letter: tab.vote_letter(letter))
    key("=", lambda: tab.vote(tie=True) if tab.vote_bar.tie_button.isEnabled() else None)
    key("-", lambda: tab.vote(all_bad=True) if tab.vote_bar.bad_button.isEnabled() else None)
    key("Ctrl+S", lambda: tab.vote() if tab.vote_bar.save_button.isEnabled() else None)
    key(Qt.Key.Key_F11, lambda: tab.set_full_screen(not tab.full_screen))
    key(Qt.Key.Key_Escape, lambda: tab.set_full_screen(False))
