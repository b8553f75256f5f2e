"""*Write storyboard…*: a brief, a scene count, up to three reference images (outputs
dragged from the Gallery, or files) and the Critic's rounds go to the assistant's Director,
Critic and Cohesion pass (an `AssistRunDialog`: off the GUI thread, the whole conversation
shown, the exact request when it is a dry-run). *Create storyboard* makes the draft a new
storyboard to edit; nothing is rendered and nothing is paid for."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.core.assist.runs import AssistRun
from studio.core.sequences.storyboard_spec import MAX_REFERENCES, ImportError_, from_json
from studio.ui.assist import AssistRunDialog
from studio.ui.assist.story_view import StoryView
from studio.ui.sequences.scene_editor import ASSET_IDS_MIME, IMAGE_SUFFIXES
from studio.ui.session import Session

MAX_SCENES = 12
TITLE = "Write storyboard"


def dropped_references(mime: QMimeData | None) -> list[str]:
    """`asset:<id>` for outputs dragged from any view (ui/iterate's drag format), the path
    of each image file. Read here, not through ui.iterate (which opens chains from this
    package)."""
    if mime is None:
        return []
    if mime.hasFormat(ASSET_IDS_MIME):
        text = bytes(mime.data(ASSET_IDS_MIME).data()).decode(errors="replace")
        return [f"asset:{i.strip()}" for i in text.split("\n") if i.strip()]
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()
            and Path(url.toLocalFile()).suffix.lower() in IMAGE_SUFFIXES]


class ReferenceList(QListWidget):
    """Up to three reference images: outputs dropped from any view of outputs (their ids,
    the drag format of ui/iterate), image files dropped or added."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("storyReferences")
        self.setAccessibleName("Reference images")
        self.setAcceptDrops(True)
        self.setMaximumHeight(80)
        self.setToolTip(f"Drop up to {MAX_REFERENCES} images here (outputs from the Gallery, "
                        "or files)")

    def refs(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]

    def add(self, refs: list[str]) -> None:
        for ref in refs:
            if ref in self.refs():
                continue
            if self.count() >= MAX_REFERENCES:
                self.session.toast.emit("info", f"At most {MAX_REFERENCES} reference images")
                return
            self.addItem(ref)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_references(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if dropped_references(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        refs = dropped_references(event.mimeData())
        if refs:
            self.add(refs)
            event.acceptProposedAction()


class WriteStoryboardDialog(AssistRunDialog):
    created = Signal(str)  # the new storyboard's id

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, TITLE, None, StoryView, parent)
        self.setObjectName("writeStoryboardDialog")
        self.board_id: str | None = None
        self.brief = QPlainTextEdit(self)
        self.brief.setObjectName("storyBrief")
        self.brief.setAccessibleName("Brief")
        self.brief.setPlaceholderText("What the film is about: subject, mood, audience, "
                                      "the message…")
        self.brief.setMaximumHeight(90)
        self.scenes = QSpinBox(self)
        self.scenes.setObjectName("storyScenes")
        self.scenes.setRange(1, MAX_SCENES)
        self.scenes.setValue(4)
        self.rounds = QSpinBox(self)
        self.rounds.setObjectName("storyRounds")
        self.rounds.setRange(1, 6)
        self.rounds.setValue(session.studio.settings.assistant.critic_rounds)
        self.rounds.setToolTip("The most Director/Critic rounds; it stops once the Critic "
                               "approves")
        self.references = ReferenceList(session, self)
        add_file = QPushButton("Add file…", self)
        add_file.clicked.connect(self._add_file)
        remove = QPushButton("Remove", self)
        remove.clicked.connect(lambda: self.references.takeItem(
            self.references.currentRow()))
        ref_buttons = QVBoxLayout()
        ref_buttons.addWidget(add_file)
        ref_buttons.addWidget(remove)
        ref_buttons.addStretch(1)
        refs = QHBoxLayout()
        refs.addWidget(self.references, 1)
        refs.addLayout(ref_buttons)
        form = QFormLayout()
        form.addRow("Brief", self.brief)
        form.addRow("Scenes", self.scenes)
        form.addRow("Critic rounds", self.rounds)
        form.addRow("References", refs)
        self.box.insertLayout(0, form)
        self.status.setText("Write a brief, then Write: the Director drafts, the Critic "
                            "reviews. Nothing is rendered.")
        self.write_button = self.buttons.addButton(
            "Write", QDialogButtonBox.ButtonRole.ActionRole)
        self.write_button.setObjectName("writeStory")
        self.write_button.clicked.connect(self.write)
        self.create_button = self.buttons.addButton(
            "Create storyboard", QDialogButtonBox.ButtonRole.ActionRole)
        self.create_button.setObjectName("createFromDraft")
        self.create_button.setToolTip("A new storyboard from this draft, to edit before "
                                      "anything is rendered")
        self.create_button.setEnabled(False)
        self.create_button.clicked.connect(self.create_board)
        self.finishedRun.connect(lambda _r: self.write_button.setEnabled(True))
        self.resize(720, 760)

    def _add_file(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Reference images", "",
                                                "Images (*.png *.jpg *.jpeg *.webp)")
        self.references.add(paths)

    def write(self) -> None:
        brief, scenes, rounds = self.brief.toPlainText(), self.scenes.value(), \
            self.rounds.value()
        refs = self.references.refs()
        self.create_button.setEnabled(False)
        self.write_button.setEnabled(False)
        self.body.takeWidget()
        self.start(lambda: self.session.studio.assist.story(brief, scenes, refs,
                                                            rounds=rounds))

    def show_run(self, run: AssistRun) -> None:
        super().show_run(run)
        if run.live and run.result is not None:
            self.create_button.setEnabled(True)
        else:
            self.status.setText(self.status.text() + " No storyboard can be made from a "
                                "dry-run: it has no draft.")

    def create_board(self) -> str | None:
        """The draft as a new storyboard (nothing rendered, nothing paid); None, with the
        reason shown, when the answer cannot be one."""
        if self.run is None:
            return None
        try:
            spec = from_json(self.run.as_json())
        except ImportError_ as exc:
            self.show_error(f"This draft cannot be a storyboard: {exc}")
            self.create_button.setEnabled(False)
            return None
        self.board_id = self.session.studio.save_storyboard(spec)
        self.created.emit(self.board_id)
        self.session.toast.emit("success", f"Created “{spec.title}” ({len(spec.scenes)} "
                                           "scenes) from the draft. Nothing was sent.")
        return self.board_id

