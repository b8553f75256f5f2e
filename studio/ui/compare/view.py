"""The Compare tab: compare groups on the left; on the right one group as a grid of cells
(or two of them side by side, wiped or overlaid), blind voting, a new-group brief, and the
artist's scoreboard."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QListView,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.compare.adapt import Brief, Target
from studio.core.compare.groups import CompareGroup
from studio.core.compare.votes import BlindSession
from studio.core.events import EventKind, StoreEvent
from studio.core.requests import RequestError
from studio.ui.compare.brief import BriefPanel
from studio.ui.compare.group_page import LAYOUTS, GroupPage
from studio.ui.compare.model import CellInfo, CellSource, GroupListModel
from studio.ui.compare.pair import Media
from studio.ui.compare.scoreboard import ScoreboardPanel
from studio.ui.session import Session
from studio.ui.widgets import SPACING, ImageLoader, SpendGate


class CompareTab(QWidget):
    openRequested = Signal(object, int)  # CellSource, row: show a cell in the Viewer
    fullScreenRequested = Signal(bool)  # the window shows only this group (or not)

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
        self.full_screen = False
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
        self.group_list.setAccessibleName("Compare groups")
        new_button = QPushButton("New compare…", self)
        new_button.setAccessibleName("New compare")
        new_button.clicked.connect(lambda: self.inner.setCurrentWidget(self.brief_panel))
        left = self.left = QWidget(self)
        left.setMinimumWidth(130)
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.setSpacing(SPACING)
        lbox.addWidget(new_button)
        lbox.addWidget(self.group_list, 1)

        self.inner = QTabWidget(self)
        self.inner.setDocumentMode(True)
        page = GroupPage(self, loader, self)
        self.title, self.brief_line, self.result = page.title, page.brief_line, page.result
        self.layout_buttons, self.per_screen = page.layout_buttons, page.per_screen
        self.blind_box, self.full_button = page.blind_box, page.full_button
        self.rerun_cell_button = page.rerun_cell_button
        self.rerun_group_button = page.rerun_group_button
        self.add_button, self.add_menu = page.add_button, page.add_menu
        self.open_button = page.open_button
        self.cells, self.grid, self.pair = page.cells, page.grid, page.pair
        self.body, self.vote_bar = page.body, page.vote_bar
        self.inner.addTab(page, "Group")
        self.brief_panel = BriefPanel(session, self.groups, self)
        self.brief_panel.startRequested.connect(self.start)
        self.inner.addTab(self.brief_panel, "New compare")
        self.scoreboard = ScoreboardPanel(session, self.votes, self)
        self.inner.addTab(self.scoreboard, "Scoreboard")
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(self.inner)
        split.setStretchFactor(1, 1)
        split.setSizes([170, 990])
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
        current = self.cells.info(self.grid.currentIndex().row())
        self.open_button.setEnabled(current is not None and current.asset is not None)
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
        self.open_button.setEnabled(info is not None and info.asset is not None)
        if info is not None and info.job is not None and not info.hidden:
            self.session.jobSelected.emit(info.job.id)

    # -- the Viewer and full screen ------------------------------------------------------

    def open_current(self) -> None:
        if self.grid.currentIndex().isValid():
            self.open_cell(self.grid.currentIndex().row())

    def open_cell(self, row: int) -> None:
        """Every cell with an output, in screen order, in the Viewer at this cell."""
        with_output = [r for r in range(self.cells.rowCount())
                       if (i := self.cells.info(r)) is not None and i.asset is not None]
        if row in with_output:
            source = CellSource(self.cells, with_output, self)
            self.openRequested.emit(source, with_output.index(row))

    def set_full_screen(self, on: bool) -> None:
        """Only the group page on screen: no docks, menus, group list or tabs."""
        on = bool(on)
        self.full_button.setChecked(on)
        if on == self.full_screen:
            return
        self.full_screen = on
        self.left.setVisible(not on)
        self.inner.tabBar().setVisible(not on)
        self.inner.setCurrentIndex(0)
        self.fullScreenRequested.emit(on)
        self.grid.setFocus()

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

    def vote_letter(self, letter: str) -> None:
        """A key press naming a cell's letter: that cell is the best."""
        choices = {i.label: i.job.id for i in self._shown() if i.job}
        if letter in choices:
            self.vote(winner=choices[letter])

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
            self._rerun(self.group.id, info.cell.position, "Re-running the cell")

    def rerun_group(self) -> None:
        if self.group is not None:
            self._rerun(self.group.id, None, "Re-running the group")

    def _rerun(self, group_id: str, position: int | None, what: str) -> None:
        requests = [r for _, r, _ in self.groups.rerun_requests(group_id, position)]
        SpendGate.of(self.session).ask(self, requests, lambda: self.session.spawn(
            self.groups.rerun(group_id, position), what=what))

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

    def focus_group(self, group_id: str) -> None:
        """A group made elsewhere (a Compose fan-out): listed and shown at once."""
        self.group_model.reload()
        self.show_group(group_id)

    def new_from(self, payload: dict) -> None:
        """'Send to Compare' from Compose: prefill a new brief; nothing is sent yet."""
        self.brief_panel.fill(payload)
        self.inner.setCurrentWidget(self.brief_panel)

    def start(self, brief: Brief, targets: list[Target]) -> None:
        """Send a new group ("Send to Compare", then Start): above the per-action amount
        (Settings > Budgets) the artist confirms the whole group first."""
        try:
            requests = [a.request for a in self.groups.plan(brief, targets, load_images=False)]
        except RequestError:
            requests = []  # the start itself reports what is wrong
        SpendGate.of(self.session).ask(self, requests, lambda: self.session.spawn(
            self._start(brief, targets), what="Starting the compare"))

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
