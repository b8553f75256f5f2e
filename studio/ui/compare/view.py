"""The Compare tab: compare groups on the left; on the right one group as a grid of cells
(or two of them side by side, wiped or overlaid), blind voting, a new-group brief, and the
artist's scoreboard."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.compare.adapt import Brief, Target
from studio.core.compare.groups import CompareGroup
from studio.core.compare.votes import BlindSession
from studio.core.events import EventKind, StoreEvent
from studio.ui.compare.brief import BriefPanel
from studio.ui.compare.delegate import CELL, CellDelegate
from studio.ui.compare.model import CellInfo, CellModel, GroupListModel
from studio.ui.compare.pair import Layout, Media, PairView
from studio.ui.compare.scoreboard import ScoreboardPanel
from studio.ui.compare.votebar import VoteBar
from studio.ui.session import Session
from studio.ui.widgets import SPACING, ImageLoader

LAYOUTS = [("Grid", None), ("Side by side", Layout.SIDE), ("Wipe", Layout.WIPE),
           ("Overlay", Layout.OVERLAY)]


class CompareTab(QWidget):
    def __init__(self, session: Session, loader: ImageLoader, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("compareTab")
        self.session = session
        self.studio = session.studio
        self.groups = self.studio.compare
        self.votes = self.studio.votes
        self.group: CompareGroup | None = None
        self.blind_round: BlindSession | None = None
        self.revealed: BlindSession | None = None
        self._votable_key: tuple[str, ...] = ()
        self._signature: tuple | None = None
        self._refresh = QTimer(self, singleShot=True, interval=80)
        self._refresh.timeout.connect(self.reload_group)

        self.group_model = GroupListModel(session, self.groups, self)
        self.group_list = QListView(self)
        self.group_list.setObjectName("compareGroups")
        self.group_list.setModel(self.group_model)
        self.group_list.setSpacing(2)
        self.group_list.setWordWrap(True)
        self.group_list.setUniformItemSizes(True)
        self.group_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.group_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.group_list.selectionModel().currentChanged.connect(
            lambda cur, _: self.show_group(self.group_model.group_id(cur.row())))
        new_button = QPushButton("New compare…", self)
        new_button.clicked.connect(lambda: self.inner.setCurrentWidget(self.brief_panel))
        left = QWidget(self)
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.setSpacing(SPACING)
        lbox.addWidget(new_button)
        lbox.addWidget(self.group_list, 1)

        self.inner = QTabWidget(self)
        self.inner.setDocumentMode(True)
        self.inner.addTab(self._group_page(loader), "Group")
        self.brief_panel = BriefPanel(session, self.groups, self)
        self.brief_panel.startRequested.connect(self.start)
        self.inner.addTab(self.brief_panel, "New compare")
        self.scoreboard = ScoreboardPanel(session, self.votes, self)
        self.inner.addTab(self.scoreboard, "Scoreboard")
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(self.inner)
        split.setStretchFactor(1, 1)
        split.setSizes([220, 940])
        split.setChildrenCollapsible(False)
        box = QVBoxLayout(self)
        box.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING)
        box.addWidget(split)
        session.storeEvent.connect(self._on_event)
        self.group_model.modelReset.connect(self._keep_selection)
        if self.group_model.rowCount():
            self.group_list.setCurrentIndex(self.group_model.index(0))
        else:
            self.reload_group()  # says how to start one

    def _group_page(self, loader: ImageLoader) -> QWidget:
        page = QWidget(self)
        self.title = QLabel(page)
        self.title.setObjectName("compareTitle")
        self.title.setProperty("role", "heading")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.brief_line = QLabel(page)
        self.brief_line.setProperty("role", "muted")
        self.brief_line.setWordWrap(True)
        self.layout_buttons = QButtonGroup(page)
        bar = QHBoxLayout()
        bar.setSpacing(SPACING // 2)
        for i, (text, _) in enumerate(LAYOUTS):
            button = QToolButton(page)
            button.setText(text)
            button.setCheckable(True)
            button.setChecked(i == 0)
            self.layout_buttons.addButton(button, i)
            bar.addWidget(button)
        self.layout_buttons.idClicked.connect(self.set_layout)
        bar.addSpacing(SPACING * 2)
        self.blind_box = QCheckBox("Blind", page)
        self.blind_box.setObjectName("blindMode")
        self.blind_box.setToolTip("Hide provider names and shuffle the order until you vote")
        self.blind_box.toggled.connect(self._on_blind)
        bar.addWidget(self.blind_box)
        bar.addStretch(1)
        self.rerun_cell_button = QPushButton("Re-run cell", page)
        self.rerun_cell_button.setToolTip("Send the selected cell's exact request again")
        self.rerun_cell_button.clicked.connect(self.rerun_cell)
        self.rerun_group_button = QPushButton("Re-run group", page)
        self.rerun_group_button.setToolTip("Send every cell's exact request again")
        self.rerun_group_button.clicked.connect(self.rerun_group)
        self.add_button = QToolButton(page)
        self.add_button.setText("Add target")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_menu = QMenu(self.add_button)
        self.add_menu.aboutToShow.connect(self._fill_add_menu)
        self.add_button.setMenu(self.add_menu)
        for w in (self.rerun_cell_button, self.rerun_group_button, self.add_button):
            bar.addWidget(w)

        self.cells = CellModel(self.session, loader, self)
        self.grid = QListView(page)
        self.grid.setObjectName("compareGrid")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.grid.setGridSize(CELL + QSize(SPACING, SPACING))
        self.grid.setModel(self.cells)
        self.grid.setItemDelegate(CellDelegate(self.grid))
        self.grid.selectionModel().currentChanged.connect(self._on_current_cell)
        for key in range(6):
            QShortcut(QKeySequence(str(key)), self.grid, activated=lambda k=key: self.rate(k),
                      context=Qt.ShortcutContext.WidgetShortcut)
        self.pair = PairView(loader, page)
        self.body = QStackedWidget(page)
        self.body.addWidget(self.grid)
        self.body.addWidget(self.pair)
        self.vote_bar = VoteBar(page)
        self.vote_bar.winnerChosen.connect(lambda job_id: self.vote(winner=job_id))
        self.vote_bar.tieChosen.connect(lambda: self.vote(tie=True))
        self.vote_bar.allBadChosen.connect(lambda: self.vote(all_bad=True))
        self.vote_bar.ratingsSaved.connect(self.vote)
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
        return page

    # -- showing a group ------------------------------------------------------------------

    def show_group(self, group_id: str | None) -> None:
        if not group_id:
            return
        if self.group is None or self.group.id != group_id:
            self.revealed = self.blind_round = None
            self._signature = None
            self.result.clear()
        self.group = self.groups.get(group_id)
        row = self.group_model.row_of(group_id)
        if row >= 0 and self.group_list.currentIndex().row() != row:
            self.group_list.setCurrentIndex(self.group_model.index(row))
        self.inner.setCurrentIndex(0)
        self.reload_group()

    def reload_group(self) -> None:
        """Re-read the group; rebuild the grid only when its cells, runs or outputs changed
        (status and progress updates reach the cells directly, keeping the selection)."""
        if self.session.closed:  # a timer may fire after the window (and store) closed
            return
        group = self.groups.get(self.group.id) if self.group else None
        self.group = group
        if group is None:
            self.cells.set_group(None)
            self.title.setText("No compare groups yet. Press “New compare…”, or “Send to "
                               "Compare” in Compose.")
            self.brief_line.clear()
            self._update_actions()
            return
        votable = self.votable()
        self._votable_key = tuple(votable)
        if self.revealed is not None and set(self.revealed.order) != set(votable):
            self.revealed = None
        blind = self.blind_box.isChecked() and bool(votable) and self.revealed is None
        signature = (tuple((c.position, tuple(c.job_ids)) for c in group.cells),
                     tuple(votable), blind, self.revealed.id if self.revealed else None)
        if signature != self._signature:
            self._signature = signature
            if self.revealed is not None:
                self.cells.set_group(group, list(self.revealed.order), hidden=False)
            elif blind:
                self.blind_round = self.votes.blind_session(group.id, votable)
                self.cells.set_group(group, list(self.blind_round.order), hidden=True)
            else:
                self.blind_round = None
                self.cells.set_group(group)
        self.title.setText(group.brief.prompt)
        self.brief_line.setText(_brief_text(group.brief, group.id))
        self._update_actions()
        if self.body.currentWidget() is self.pair:
            self._show_pair()

    def votable(self) -> list[str]:
        """The newest job of every cell that has an output."""
        return self.studio.votable(self.group) if self.group else []

    def _shown(self) -> list[CellInfo]:
        key = set(self._votable_key)
        return [i for i in self.cells.cells() if i.job and i.job.id in key]

    def _update_actions(self) -> None:
        has = self.group is not None
        for w in (self.rerun_group_button, self.add_button, self.blind_box):
            w.setEnabled(has)
        self.rerun_cell_button.setEnabled(has and self.grid.currentIndex().isValid())
        shown = self._shown()
        for i in range(1, len(LAYOUTS)):
            self.layout_buttons.button(i).setEnabled(len(shown) >= 2)
        jobs = {i.job.id for i in shown if i.job}
        voted = self.revealed is not None or (self.group is not None and bool(jobs) and any(
            set(v.shown) == jobs for v in self.votes.for_group(self.group.id)))
        self.vote_bar.set_choices([(i.label, i.job.id) for i in shown if i.job],
                                  len(self.cells.pending()), voted)

    def _on_event(self, event: StoreEvent) -> None:
        if self.group is None:
            return
        group_id = self.group.id
        changed = event.kind is EventKind.COMPARE_CHANGED and event.group == group_id
        finished = event.kind in (EventKind.STATUS_CHANGED, EventKind.ASSET_ADDED) and (
            (event.job is not None and event.job.compare_group == group_id)
            or self.group.cell_of_job(event.job_id) is not None)
        if changed or finished:
            self._refresh.start()

    def _keep_selection(self) -> None:
        if self.group is not None:
            row = self.group_model.row_of(self.group.id)
            if row >= 0:
                self.group_list.setCurrentIndex(self.group_model.index(row))

    def _on_current_cell(self, current, _previous) -> None:
        info = self.cells.info(current.row())
        self.rerun_cell_button.setEnabled(info is not None)
        if info is not None and info.job is not None and not info.hidden:
            self.session.jobSelected.emit(info.job.id)

    # -- layouts ------------------------------------------------------------------------

    def set_layout(self, index: int) -> None:
        layout = LAYOUTS[index][1]
        self.layout_buttons.button(index).setChecked(True)
        if layout is None:
            self.pair.stop()
            self.body.setCurrentWidget(self.grid)
            return
        self.body.setCurrentWidget(self.pair)
        self._show_pair()
        self.pair.set_layout(layout)

    def _show_pair(self) -> None:
        shown = self._shown()
        rows = sorted(i.row() for i in self.grid.selectionModel().selectedIndexes())
        picked = [self.cells.info(r) for r in rows]
        picked = [i for i in picked if i is not None and i in shown]
        pair = picked if len(picked) == 2 else shown[:2]
        media = [self._media(i) for i in pair] + [None, None]
        current = [m.path if m else None for m in self.pair.media]
        if current != [m.path if m else None for m in media[:2]] or \
                [m.caption if m else "" for m in self.pair.media] != \
                [m.caption if m else "" for m in media[:2]]:
            self.pair.set_media(media[0], media[1])

    @staticmethod
    def _media(info: CellInfo) -> Media | None:
        a = info.asset
        return Media(a.path, a.media_type, a.sha256, info.caption) if a else None

    # -- blind mode and votes -----------------------------------------------------------

    def _on_blind(self, on: bool) -> None:
        self.revealed = None
        self._signature = None
        self.result.setText("Names are hidden and the order is shuffled until you vote."
                            if on else "")
        self.reload_group()

    def rate(self, stars: int) -> None:
        self.cells.set_pending(self.grid.currentIndex().row(), stars or None)
        self._update_actions()

    def vote(self, winner: str | None = None, tie: bool = False, all_bad: bool = False) -> None:
        if self.group is None:
            return
        shown = [i.job.id for i in self._shown() if i.job]
        ratings = {j: s for j, s in self.cells.pending().items() if j in shown}
        blind = self.blind_round if self.cells.hidden else None
        vote = self.votes.cast(self.group.id, shown, winner=winner, tie=tie, all_bad=all_bad,
                               ratings=ratings, session=blind)
        self.cells.clear_pending()
        infos = {i.job.id: i for i in self._shown() if i.job}
        if blind is not None:
            self.revealed, self.blind_round = blind, None
        self._signature = None
        self.reload_group()
        names = ", ".join(f"{infos[j].label} = {infos[j].title}" for j in vote.shown if j in infos)
        what = {"winner": f"{infos[winner].label} won" if winner in infos else "",
                "tie": "a tie", "all_bad": "all bad"}.get(
                    vote.outcome.value if vote.outcome else "", "ratings saved")
        self.result.setText(f"Vote saved ({what}). {names}.")
        self.session.toast.emit("success", f"Vote saved: {what}")

    # -- actions ------------------------------------------------------------------------

    def rerun_cell(self) -> None:
        info = self.cells.info(self.grid.currentIndex().row())
        if self.group is not None and info is not None:
            self.session.spawn(self.groups.rerun(self.group.id, info.cell.position),
                               what="Re-running the cell")

    def rerun_group(self) -> None:
        if self.group is not None:
            self.session.spawn(self.groups.rerun(self.group.id), what="Re-running the group")

    def _fill_add_menu(self) -> None:
        self.add_menu.clear()
        for entry in self.session.entries():
            sub = self.add_menu.addMenu(entry.name)
            for model in entry.models:
                sub.addAction(model.name, lambda p=entry.id, m=model.id: self.add_target(p, m))

    def add_target(self, provider: str, model: str) -> None:
        if self.group is not None:
            self.session.spawn(self.groups.add_target(self.group.id, Target(
                provider=provider, model=model)), what="Adding the target")

    def new_from(self, payload: dict) -> None:
        """'Send to Compare' from Compose: prefill a new brief; nothing is sent yet."""
        self.brief_panel.fill(payload)
        self.inner.setCurrentWidget(self.brief_panel)

    def start(self, brief: Brief, targets: list[Target]) -> None:
        self.session.spawn(self._start(brief, targets), what="Starting the compare")

    async def _start(self, brief: Brief, targets: list[Target]) -> str:
        group = await self.groups.create(brief, targets)
        self.group_model.reload()
        self.show_group(group.id)
        return group.id


def _brief_text(brief: Brief, group_id: str) -> str:
    parts = [f"seed {brief.seed}" if brief.seed is not None else "no seed",
             f"aspect {brief.aspect}" if brief.aspect else "model aspect",
             f"{brief.duration:g} s" if brief.duration else ""]
    if brief.negative_prompt:
        parts.append(f"negative: {brief.negative_prompt[:40]}")
    if brief.input_images:
        parts.append(f"{len(brief.input_images)} input image(s)")
    return " · ".join(p for p in parts if p) + f" · group {group_id}"
