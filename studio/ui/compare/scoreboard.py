"""One artist's scoreboard as a table: ranked by an uncertainty-aware score, with wins,
average rating, cost per accepted output and median latency per provider/model."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio.core.compare.scoreboard import ScoreRow
from studio.core.compare.votes import Votes, default_artist
from studio.core.events import EventKind, StoreEvent
from studio.ui.compare.delegate import seconds
from studio.ui.session import Session
from studio.ui.widgets import SPACING, money

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ["#", "Provider · model", "Score", "±", "Wins", "Votes", "Avg ★", "Accepted",
           "$ / accepted", "Median time", "Median quality"]
SCORE_TIP = ("Bradley-Terry strength from your votes, minus two standard errors: a model "
             "needs several wins to rank high. 1500 = the neutral reference.")
NUMERIC = {0, 2, 3, 4, 5, 6, 7, 8, 9, 10}
QUALITY_TIP = ("Median quality score (0-100, measured on this computer) of this model's "
               "outputs you voted on: beside your votes, not part of the ranking.")


class ScoreboardModel(QAbstractTableModel):
    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.rows: list[ScoreRow] = []

    def set_rows(self, rows: list[ScoreRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section in (2, 3):
            return SCORE_TIP
        if role == Qt.ItemDataRole.ToolTipRole and section == 10:
            return QUALITY_TIP
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole and col in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{r.target}\nestimate {r.rating:.0f} ± {r.uncertainty:.0f}; "
                    f"ranked by the lower bound {r.score:.0f}\n{r.ties} ties, "
                    f"{r.all_bad} all-bad, {len(r.ratings)} ratings, {r.outputs} outputs seen")
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        entry = self.session.entry(r.provider)
        avg = r.average_rating
        model = self.session.model_name(r.provider, r.model)
        values = [
            r.rank, f"{entry.name if entry else r.provider} · {model}",
            f"{r.score:.0f}", f"{r.uncertainty:.0f}", r.wins, r.votes,
            "—" if avg is None else f"{avg:.1f}", r.accepted,
            "—" if r.cost_per_accepted is None else money(r.cost_per_accepted),
            "—" if r.median_latency is None else seconds(r.median_latency),
            "—" if r.median_quality is None else f"{r.median_quality:.0f}",
        ]
        return values[col]


class ScoreboardPanel(QWidget):
    def __init__(self, session: Session, votes: Votes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.votes = votes
        self.model = ScoreboardModel(session, self)
        self.artist = QComboBox(self)
        self.artist.setObjectName("scoreboardArtist")
        self.artist.setAccessibleName("Artist")
        self.artist.setMinimumContentsLength(12)
        self.artist.currentIndexChanged.connect(self.refresh)
        self.summary = QLabel(self)
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        self.table = QTableView(self)
        self.table.setObjectName("scoreboardTable")
        self.table.setAccessibleName("Scoreboard")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        row = QHBoxLayout()
        row.setSpacing(SPACING)
        row.addWidget(QLabel("Artist", self))
        row.addWidget(self.artist)
        row.addWidget(self.summary, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, SPACING, 0, 0)
        box.setSpacing(SPACING)
        box.addLayout(row)
        box.addWidget(self.table, 1)
        session.storeEvent.connect(self._on_event)
        self.reload_artists()

    def _on_event(self, event: StoreEvent) -> None:
        if event.kind is EventKind.VOTE_CAST:
            self.reload_artists()

    def reload_artists(self) -> None:
        current = self.artist.currentText() or default_artist()
        names = list(dict.fromkeys([default_artist(), *self.votes.artists()]))
        self.artist.blockSignals(True)
        self.artist.clear()
        self.artist.addItems(names)
        self.artist.setCurrentIndex(max(0, names.index(current) if current in names else 0))
        self.artist.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        artist = self.artist.currentText() or default_artist()
        rows = self.session.studio.scoreboard(artist)
        self.model.set_rows(rows)
        n = len(self.votes.for_artist(artist))
        if not n:
            self.summary.setText("No votes yet. Vote on a group (pick a winner, a tie, all "
                                 "bad, or rate 1-5) and your ranking appears here.")
        else:
            self.summary.setText(f"{n} vote{'s' if n != 1 else ''}. Ranked by score: the "
                                 "strength your votes show, minus its uncertainty.")
