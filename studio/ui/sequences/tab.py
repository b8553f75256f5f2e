"""The Sequences tab: storyboards on the left (new, duplicate, delete with undo, import,
export), the selected one on the right: title, auto-approve, Run, Play, Stitch (progress,
cancel), the timeline strip, and the selected scene's editor and stages.

Widgets read through Studio (`storyboard_view`, `storyboard_rows`) and act through
`Studio.storyboards`; store events refresh them (nothing polls)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.events import EventKind, StoreEvent
from studio.core.sequences.storyboard_spec import (
    ModelChoice,
    SceneSpec,
    StoryboardSpec,
)
from studio.ui.sequences.board_list import BoardList
from studio.ui.sequences.board_settings import BoardSettings
from studio.ui.sequences.player import SequencePlayer
from studio.ui.sequences.scene_editor import AuditionDialog, SceneEditor
from studio.ui.sequences.stages import StagePanel
from studio.ui.sequences.stitcher import StitchRunner
from studio.ui.sequences.timeline import TimelineStrip
from studio.ui.session import Session
from studio.ui.widgets import SPACING, ImageLoader, SpendGate

if TYPE_CHECKING:
    from studio.ui.sequences.write_dialog import WriteStoryboardDialog


def _button(parent: QWidget, text: str, name: str, tip: str = "") -> QPushButton:
    b = QPushButton(text, parent)
    b.setObjectName(name)
    b.setMinimumWidth(50)
    if tip:
        b.setToolTip(tip)
    return b


class SequencesTab(QWidget):
    compareRequested = Signal(str)  # a compare group to show (an audition)

    def __init__(self, session: Session, loader: ImageLoader,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sequencesTab")
        self.session = session
        self.studio = session.studio
        self.board_id: str | None = None
        self.view: dict[str, Any] | None = None
        self.spec: StoryboardSpec | None = None
        self._jobs: set[str] = set()
        self._stale = False

        # -- the list of storyboards
        self.board_list = BoardList(session, self)
        self.board_list.chosen.connect(self._chosen)
        self.boards = self.board_list.list
        self.undo_button = self.board_list.undo_button
        self.board_list.write_button.clicked.connect(self.write_storyboard)
        left = self.board_list

        # -- the selected storyboard
        self.title = QLineEdit(self)
        self.title.setObjectName("storyboardTitle")
        self.title.setAccessibleName("Storyboard title")
        self.title.editingFinished.connect(self._title_edited)
        self.auto_approve = QCheckBox("Auto-approve", self)
        self.auto_approve.setObjectName("autoApprove")
        self.auto_approve.setToolTip("Approve every stage as it finishes and go straight on")
        self.auto_approve.toggled.connect(self._auto_toggled)
        self.run_button = _button(self, "Run", "runStoryboard",
                                  "Make every stage that is ready (dry-run unless enabled)")
        self.run_button.clicked.connect(self.run)
        self.play_button = _button(self, "Play", "playSequence",
                                   "Play the clips one after another (before stitching)")
        self.play_button.clicked.connect(self.play)
        self.stitch_button = _button(self, "Stitch", "stitchStoryboard",
                                     "Join the approved clips into one film")
        self.stitch_button.clicked.connect(self.stitch)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("stitchProgress")
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.cancel_button = _button(self, "Cancel", "cancelStitch")
        self.cancel_button.hide()
        self.state = QLabel(self)
        self.state.setObjectName("storyboardState")
        self.state.setProperty("role", "muted")
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state.setWordWrap(True)
        self.timeline = TimelineStrip(loader, self)
        self.timeline.orderChanged.connect(self._reordered)
        self.timeline.sceneSelected.connect(lambda _n: self._show_scene())
        self.add_scene = QToolButton(self)
        self.add_scene.setText("+ Scene")
        self.add_scene.setObjectName("addScene")
        self.add_scene.clicked.connect(self.add_scene_after)
        self.remove_scene = QToolButton(self)
        self.remove_scene.setText("− Scene")
        self.remove_scene.setObjectName("removeScene")
        self.remove_scene.clicked.connect(self.remove_current_scene)
        self.editor = SceneEditor(session, self)
        self.editor.changed.connect(self._scene_edited)
        self.stages = StagePanel(loader, self)
        self.stages.approve.connect(self.approve)
        self.stages.regenerate.connect(self.regenerate)
        self.stages.audition.connect(self.audition)
        self.stages.pick.connect(self.pick)
        self.stages.openGroup.connect(self.compareRequested)
        self.player = SequencePlayer(self)
        self.stitcher = StitchRunner(session, self)
        self.stitcher.progress.connect(lambda f: self.progress.setValue(int(f * 1000)))
        self.stitcher.finished.connect(self._stitched)
        self.stitcher.failed.connect(self._stitch_failed)
        self.stitcher.cancelled.connect(self._stitch_cancelled)
        self.cancel_button.clicked.connect(self.stitcher.cancel)

        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.auto_approve)
        actions = QHBoxLayout()
        for b in (self.run_button, self.play_button, self.stitch_button):
            b.setMinimumWidth(50)
            actions.addWidget(b)
        actions.addWidget(self.progress, 1)
        actions.addWidget(self.cancel_button)
        actions.addStretch(1)
        strip_tools = QVBoxLayout()
        strip_tools.addWidget(self.add_scene)
        strip_tools.addWidget(self.remove_scene)
        strip_tools.addStretch(1)
        strip = QHBoxLayout()
        strip.addWidget(self.timeline, 1)
        strip.addLayout(strip_tools)
        scene_page = QWidget(self)
        sv = QVBoxLayout(scene_page)
        sv.addWidget(self.editor)
        sv.addWidget(self.stages)
        sv.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(scene_page)
        self.pages = QTabWidget(self)
        self.pages.setObjectName("sequencePages")
        self.pages.setDocumentMode(True)
        self.pages.addTab(scroll, "Scene")
        self.pages.addTab(self.player, "Preview")
        self.settings = BoardSettings(session, self)
        self.settings.changed.connect(self._settings_changed)
        settings_scroll = QScrollArea(self)
        settings_scroll.setWidgetResizable(True)
        settings_scroll.setWidget(self.settings)
        self.pages.addTab(settings_scroll, "Storyboard")
        right = QWidget(self)
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.setSpacing(SPACING)
        rv.addLayout(header)
        rv.addLayout(actions)
        rv.addWidget(self.state)
        rv.addLayout(strip)
        rv.addWidget(self.pages, 1)
        self.detail = right
        # At 1024x700 the Queue dock leaves the tab about 300 px: the column scrolls rather
        # than forcing the window taller.
        right_scroll = QScrollArea(self)
        right_scroll.setObjectName("storyboardDetailScroll")
        right_scroll.setWidgetResizable(True)
        right_scroll.setFrameShape(QFrame.Shape.NoFrame)
        right_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right_scroll.setWidget(right)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right_scroll)
        split.setStretchFactor(1, 1)
        split.setSizes([200, 800])
        split.setChildrenCollapsible(False)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        outer.addWidget(split)

        new_action = QAction("New storyboard", self)
        new_action.setShortcut(QKeySequence("Ctrl+N"))
        new_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        new_action.triggered.connect(self.new_board)
        self.addAction(new_action)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(60)
        self._refresh_timer.timeout.connect(self.refresh)
        session.storeEvent.connect(self._on_event)
        self.refresh_list()
        self._show_board()

    # -- reading ------------------------------------------------------------------------

    def refresh_list(self) -> None:
        ids = self.board_list.refresh(self.board_id)
        if self.board_id not in ids:
            self.board_id = ids[0] if ids else None
            self.board_list.mark(self.board_id)
            self._show_board()

    def select(self, board_id: str | None) -> None:
        self.board_id = board_id
        self.board_list.refresh(board_id)
        self._show_board()

    def _chosen(self, board_id: str | None) -> None:
        self.editor.flush()
        self.select(board_id)
        self.refresh_list()

    def refresh(self) -> None:
        if not self.isVisible():
            self._stale = True  # shown again: showEvent catches up
            return
        self._stale = False
        self.refresh_list()
        self._show_board()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _show_board(self) -> None:
        self.view = self.studio.storyboard_view(self.board_id) if self.board_id else None
        self.detail.setEnabled(self.view is not None)
        if self.view is None:
            self.spec = None
            self.settings.show_spec(None)
            self.timeline.set_scenes([])
            self.title.clear()
            self.state.setText("No storyboard yet: New makes one, Import reads a JSON file.")
            self._show_scene()
            return
        view = self.view
        self.spec = StoryboardSpec.model_validate(view["spec"])
        self.settings.show_spec(self.spec)
        self._jobs = {a["job_id"] for s in view["scenes"] for st in s["stages"].values()
                      for a in st["attempts"] if a["job_id"]}
        if not self.title.hasFocus():
            self.title.setText(view["title"])
        with QSignalBlocker(self.auto_approve):
            self.auto_approve.setChecked(view["auto_approve"])
        total = sum(s["duration_seconds"] for s in view["scenes"])
        text = (f"{len(view['scenes'])} scenes · {total:g} s · "
                f"{view['status'].replace('_', '-')}")
        if view["final"]:
            text += f" · film: {view['final']['path']}"
        self.state.setText(text)
        self.timeline.set_scenes(view["scenes"])
        ready = view["status"] in ("ready", "stitched")
        self.stitch_button.setEnabled(ready and not self.stitcher.running)
        self.stitch_button.setToolTip("Join the approved clips into one film" if ready else
                                      "Every scene needs an approved clip first")
        self._show_scene()

    def current_scene(self) -> dict[str, Any] | None:
        row = self.timeline.currentRow()
        if self.view is None or not 0 <= row < len(self.view["scenes"]):
            return None
        return self.view["scenes"][row]

    def _show_scene(self) -> None:
        scene = self.current_scene()
        spec = self.spec
        self.remove_scene.setEnabled(spec is not None and len(spec.scenes) > 1)
        if spec is None or scene is None:
            self.editor.show_scene(None)
            self.stages.show_scene(None)
            return
        scene_spec = next(s for s in spec.scenes if s.id == scene["id"])
        if not self.editor._debounce.isActive() or self.editor.scene is None or \
                self.editor.scene.id != scene_spec.id:
            self.editor.show_scene(scene_spec, spec.image_model, spec.video_model,
                                   last=scene_spec.id == spec.scenes[-1].id)
        self.stages.show_scene(scene)

    def _on_event(self, event: StoreEvent) -> None:
        if event.kind is EventKind.STORYBOARD_CHANGED or (
                event.kind.about_job and event.job_id in self._jobs) or (
                event.kind in (EventKind.ASSET_ADDED, EventKind.ASSET_QUALITY)
                and event.job_id in self._jobs):
            self._refresh_timer.start()

    # -- editing ------------------------------------------------------------------------

    def _save(self, spec: StoryboardSpec) -> None:
        if self.board_id is None:
            return
        self.spec = spec
        self.studio.save_storyboard(spec, self.board_id)

    def _scene_edited(self, scene: SceneSpec) -> None:
        if self.spec is None:
            return
        scenes = [scene if s.id == scene.id else s for s in self.spec.scenes]
        self._save(self.spec.model_copy(update={"scenes": scenes}))

    def _reordered(self, ids: list[str]) -> None:
        if self.spec is None:
            return
        by_id = {s.id: s for s in self.spec.scenes}
        if set(ids) != set(by_id):
            return
        self._save(self.spec.model_copy(update={"scenes": [by_id[i] for i in ids]}))

    def _settings_changed(self, spec: StoryboardSpec) -> None:
        self._save(spec)
        self._show_board()

    def _title_edited(self) -> None:
        text = self.title.text().strip()
        if self.spec is not None and text and text != self.spec.title:
            self._save(self.spec.model_copy(update={"title": text[:200]}))

    def _auto_toggled(self, on: bool) -> None:
        if self.board_id is not None:
            self.studio.storyboards.set_auto_approve(self.board_id, on)

    def add_scene_after(self) -> None:
        if self.spec is None:
            return
        row = self.timeline.currentRow()
        scenes = list(self.spec.scenes)
        scenes.insert(row + 1 if row >= 0 else len(scenes),
                      SceneSpec(prompt="Describe this scene"))
        self._save(self.spec.model_copy(update={"scenes": scenes}))
        self._show_board()
        self.timeline.setCurrentRow(row + 1)

    def remove_current_scene(self) -> None:
        scene = self.current_scene()
        if self.spec is None or scene is None or len(self.spec.scenes) < 2:
            return
        self._save(self.spec.model_copy(update={
            "scenes": [s for s in self.spec.scenes if s.id != scene["id"]]}))

    # -- storyboards (the list's actions, for the window and tests) --------------------

    def new_board(self) -> str:
        return self.board_list.new_board()

    def ask_delete(self) -> QMessageBox | None:
        return self.board_list.ask_delete()

    def write_storyboard(self) -> WriteStoryboardDialog:
        """The assistant drafts a storyboard; Create selects the new one here."""
        from studio.ui.sequences.write_dialog import WriteStoryboardDialog

        dialog = WriteStoryboardDialog(self.session, self.window())
        dialog.created.connect(self._chosen)
        dialog.show()  # non-modal: a nested loop inside the async loop fails
        return dialog

    def import_file(self, path: str | Path) -> str | None:
        return self.board_list.import_file(path)

    def export_file(self, path: str | Path) -> None:
        self.board_list.export_file(path)

    # -- running ------------------------------------------------------------------------

    def run(self) -> None:
        self.editor.flush()
        board_id = self.board_id
        if board_id is None:
            return
        try:
            requests = self.studio.storyboard_requests(board_id)
        except ValueError as exc:
            self.session.toast.emit("error", str(exc))
            return
        SpendGate.of(self.session).ask(self, requests, lambda: self._go(board_id))

    def _go(self, board_id: str) -> None:
        self.session.spawn(self.studio.run_storyboard(board_id, wait=True),
                           what="Running the storyboard")

    def approve(self, stage: str) -> None:
        scene = self.current_scene()
        if self.board_id is None or scene is None:
            return
        try:
            self.studio.storyboards.approve(self.board_id, scene["index"], stage)
        except ValueError as exc:
            self.session.toast.emit("error", str(exc))
            return
        if stage == "keyframe":  # its clip is next
            self.run()

    def regenerate(self, stage: str, notes: str) -> None:
        scene = self.current_scene()
        board_id = self.board_id
        if board_id is None or scene is None:
            return
        number = scene["index"]
        try:
            request = self.studio.storyboards.stage_request(board_id, number, stage,
                                                            notes or None)
        except ValueError as exc:
            self.session.toast.emit("error", str(exc))
            return

        async def again() -> None:
            await self.studio.storyboards.regenerate(board_id, number, stage, notes or None)
            await self.studio.run_storyboard(board_id, wait=True)
        SpendGate.of(self.session).ask(self, [request], lambda: self.session.spawn(
            again(), what=f"Regenerating scene {number}'s {stage}"))

    def audition(self, stage: str) -> AuditionDialog | None:
        scene = self.current_scene()
        board_id = self.board_id
        if board_id is None or scene is None:
            return None
        dialog = AuditionDialog(self.session, stage, self)
        dialog.accepted.connect(lambda: self._audition(board_id, scene["index"], stage,
                                                       dialog.choices()))
        dialog.open()
        return dialog

    def _audition(self, board_id: str, number: int, stage: str,
                  choices: list[ModelChoice]) -> None:
        from studio.core.compare.adapt import Target
        from studio.core.sequences.storyboard_audition import audition, audition_brief

        boards = self.studio.storyboards
        try:
            brief, _ = audition_brief(boards, boards.require(board_id), number, stage)
            requests = [a.request for a in self.studio.compare.plan(brief, [
                Target(provider=c.provider, model=c.model) for c in choices])]
        except ValueError as exc:
            self.session.toast.emit("error", str(exc))
            return

        async def go() -> None:
            group_id = await audition(boards, board_id, number, stage, choices)
            self.compareRequested.emit(group_id)
        SpendGate.of(self.session).ask(self, requests, lambda: self.session.spawn(
            go(), what=f"Auditioning scene {number}'s {stage}"))

    def pick(self, stage: str) -> None:
        from studio.core.sequences.storyboard_audition import pick

        scene = self.current_scene()
        if self.board_id is None or scene is None:
            return
        try:
            pick(self.studio.storyboards, self.board_id, scene["index"], stage)
        except ValueError as exc:
            self.session.toast.emit("error", str(exc))
            return
        if stage == "keyframe":
            self.run()

    def segment_paths(self) -> list[str]:
        """Each scene's clip to play: the approved one, else the newest."""
        out = []
        for scene in (self.view or {}).get("scenes", []):
            clip = scene["stages"]["clip"]
            if clip["output"]:
                out.append(clip["output"]["path"])
        return out

    def play(self) -> None:
        paths = self.segment_paths()
        if not paths:
            self.session.toast.emit("info", "No clips yet: Run makes them.")
            return
        self.pages.setCurrentWidget(self.player)
        self.player.play(paths)

    def stitch(self) -> None:
        if self.board_id is None or self.stitcher.running:
            return
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.stitch_button.setEnabled(False)
        self.stitcher.start(self.board_id)

    def _stitch_done(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self._show_board()

    def _stitched(self, final: dict) -> None:
        self._stitch_done()
        self.session.toast.emit("success", f"Stitched {final['duration_seconds']:.1f} s "
                                           f"({final['method']}): {final['path']}")

    def _stitch_failed(self, message: str) -> None:
        self._stitch_done()
        self.session.toast.emit("error", f"Stitch failed: {message}")

    def _stitch_cancelled(self) -> None:
        self._stitch_done()
        self.session.toast.emit("info", "Stitch cancelled: nothing was written.")
