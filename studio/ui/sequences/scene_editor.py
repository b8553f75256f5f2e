"""The scene editor: prompt, duration, where the keyframe comes from, the image and video
models (chosen with the catalog's model picker), and the transition into the next scene
(and whether the clip ends on that scene's keyframe). Edits come out as
`changed(SceneSpec)`; the tab saves them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QSignalBlocker, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.sequences.storyboard_spec import (
    KeyframeSource,
    ModelChoice,
    SceneSpec,
    TransitionSpec,
)
from studio.providers.modes import Mode, Role
from studio.ui.session import Session

# The drag format of outputs (ui/iterate/mime.py: newline-separated asset ids).
ASSET_IDS_MIME = "application/x-provider-studio-assets"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
SOURCES = (("generate", "Generate"), ("asset", "An output"), ("file", "A file"))
END_ON_NEXT_TIP = ("The clip ends exactly on the next scene's keyframe, so this shot runs "
                   "into the next one. Needs a video model that takes an end frame (Kling "
                   "2.1 pro, Luma Ray 2, …); the clip waits until that keyframe is approved.")
LAST_SCENE_TIP = "The last scene has no next keyframe to end on."


class ModelDialog(QDialog):
    """The catalog's model picker in a dialog: pick one provider/model."""

    def __init__(self, session: Session, title: str, current: ModelChoice | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from studio.ui.catalog import ModelPicker

        self.setWindowTitle(title)
        self.setObjectName("sceneModelDialog")
        self.resize(460, 520)
        self.picker = ModelPicker(session, self, name="sceneModelPicker")
        self.chosen: tuple[str, str] | None = None
        self.picker.currentChanged.connect(self._on_current)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addWidget(buttons)
        if current is not None:
            self.picker.select(current.provider, current.model)

    def _on_current(self, node: object) -> None:
        target = getattr(node, "target", None)
        self.chosen = target
        self.ok.setEnabled(target is not None)


def dropped_keyframe(mime: QMimeData | None) -> tuple[str, str] | None:
    """("asset", id) for outputs dragged from any view, ("file", path) for an image file.
    Read here, not through ui.iterate (which opens chains from this package)."""
    if mime is None:
        return None
    if mime.hasFormat(ASSET_IDS_MIME):
        text = bytes(mime.data(ASSET_IDS_MIME).data()).decode(errors="replace")
        ids = [i.strip() for i in text.split("\n") if i.strip()]
        return ("asset", ids[0]) if ids else None
    for url in mime.urls():
        if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in IMAGE_SUFFIXES:
            return ("file", url.toLocalFile())
    return None


class AuditionDialog(QDialog):
    """Check the models a stage is auditioned on (the catalog's picker, checkable)."""

    def __init__(self, session: Session, stage: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from studio.ui.catalog import ModelPicker

        self.setWindowTitle(f"Audition the {stage} on several models")
        self.setObjectName("auditionDialog")
        self.resize(460, 560)
        self.picker = ModelPicker(session, self, checkable=True, name="auditionPicker")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Audition")
        self.ok.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.picker.targetsChanged.connect(
            lambda: self.ok.setEnabled(len(self.picker.checked()) >= 2))
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addWidget(buttons)

    def choices(self) -> list[ModelChoice]:
        return [ModelChoice(provider=p, model=m) for p, m in self.picker.checked()]


class ModelButton(QPushButton):
    """Shows a scene's model ("storyboard default" when it has none); opens the picker."""

    chosen = Signal(object)  # ModelChoice | None

    def __init__(self, session: Session, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.title = title
        self.choice: ModelChoice | None = None
        self.fallback: ModelChoice | None = None
        self.setMinimumWidth(60)  # long model names elide in the tooltip, not the layout
        self.clicked.connect(self.open_picker)

    def set_choice(self, choice: ModelChoice | None, fallback: ModelChoice) -> None:
        self.choice, self.fallback = choice, fallback
        shown = choice or fallback
        name = self.session.model_name(shown.provider, shown.model)
        self.setText(f"{name}{'' if choice else ' (storyboard default)'}")
        self.setToolTip(f"{shown.label}: click to choose another model")

    def open_picker(self) -> ModelDialog:
        dialog = ModelDialog(self.session, self.title, self.choice or self.fallback, self)
        dialog.accepted.connect(lambda: self._picked(dialog))
        dialog.open()
        return dialog

    def _picked(self, dialog: ModelDialog) -> None:
        if dialog.chosen is None:
            return
        provider, model = dialog.chosen
        keep = self.choice.params if self.choice and self.choice.model == model else {}
        self.chosen.emit(ModelChoice(provider=provider, model=model, params=keep))


class SceneEditor(QWidget):
    changed = Signal(object)  # SceneSpec

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sceneEditor")
        self.session = session
        self.scene: SceneSpec | None = None
        self.prompt = QPlainTextEdit(self)
        self.prompt.setObjectName("scenePrompt")
        self.prompt.setPlaceholderText("What happens in this scene")
        self.prompt.setAccessibleName("Scene prompt")
        self.prompt.setFixedHeight(64)
        self.duration = QDoubleSpinBox(self)
        self.duration.setObjectName("sceneDuration")
        self.duration.setRange(0.5, 60)
        self.duration.setSingleStep(0.5)
        self.duration.setSuffix(" s")
        self.source = QComboBox(self)
        self.source.setObjectName("keyframeSource")
        for key, text in SOURCES:
            self.source.addItem(text, key)
        self.source_ref = QLineEdit(self)
        self.source_ref.setObjectName("keyframeRef")
        self.source_ref.setPlaceholderText("asset id or file")
        self.browse = QPushButton("Browse…", self)
        self.browse.clicked.connect(self._browse)
        self.image_model = ModelButton(session, "Keyframe image model", self)
        self.image_model.setObjectName("imageModel")
        self.video_model = ModelButton(session, "Clip video model (image-to-video)", self)
        self.video_model.setObjectName("videoModel")
        self.transition = QComboBox(self)
        self.transition.setObjectName("transitionKind")
        self.transition.addItem("Cut", "cut")
        self.transition.addItem("Crossfade", "crossfade")
        self.fade = QDoubleSpinBox(self)
        self.fade.setObjectName("transitionSeconds")
        self.fade.setRange(0, 5)
        self.fade.setSingleStep(0.25)
        self.fade.setSuffix(" s")
        self.end_on_next = QCheckBox("End on next keyframe", self)
        self.end_on_next.setObjectName("endOnNextKeyframe")
        self.end_on_next.setToolTip(END_ON_NEXT_TIP)
        self.end_note = QLabel(self)  # the video model takes no end frame
        self.end_note.setObjectName("endFrameNote")
        self.end_note.setProperty("role", "error")
        self.end_note.setWordWrap(True)
        self.end_note.hide()
        self._last = False

        source_row = QHBoxLayout()
        source_row.addWidget(self.source)
        source_row.addWidget(self.browse)
        source_row.addStretch(1)
        transition_row = QHBoxLayout()
        transition_row.addWidget(self.transition)
        transition_row.addWidget(self.fade)
        transition_row.addWidget(self.end_on_next)
        transition_row.addStretch(1)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Prompt", self.prompt)
        form.addRow("Duration", self.duration)
        form.addRow("Keyframe", source_row)
        form.addRow("", self.source_ref)
        form.addRow("Image model", self.image_model)
        form.addRow("Video model", self.video_model)
        form.addRow("Into next", transition_row)
        form.addRow("", self.end_note)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(500)
        self._debounce.timeout.connect(self._emit)
        self.prompt.textChanged.connect(self._debounce.start)
        self.source_ref.editingFinished.connect(self._emit)
        for signal in (self.duration.valueChanged, self.fade.valueChanged):
            signal.connect(lambda _v: self._debounce.start())
        self.source.currentIndexChanged.connect(lambda _i: self._emit())
        self.transition.currentIndexChanged.connect(lambda _i: self._emit())
        self.end_on_next.toggled.connect(lambda _on: self._emit())
        self.image_model.chosen.connect(lambda c: self._emit(image_model=c))
        self.video_model.chosen.connect(lambda c: self._emit(video_model=c))
        self.setEnabled(False)
        self.setAcceptDrops(True)  # an output dragged from the Gallery becomes the keyframe

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.scene is not None and dropped_keyframe(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        found = dropped_keyframe(event.mimeData())
        if found is None:
            return
        self.use_keyframe(*found)
        event.acceptProposedAction()

    def use_keyframe(self, kind: str, ref: str) -> None:
        """The scene's keyframe is this output (asset id) or image file from now on."""
        with QSignalBlocker(self.source):
            self.source.setCurrentIndex(max(0, self.source.findData(kind)))
        self.source_ref.setText(ref)
        self._emit()

    def show_scene(self, scene: SceneSpec | None, image_default: ModelChoice | None = None,
                   video_default: ModelChoice | None = None, *, last: bool = False) -> None:
        """Fill the fields (no `changed` is sent for it). `last`: the storyboard's last
        scene, whose clip has no next keyframe to end on."""
        self._debounce.stop()
        self.scene = scene
        self.setEnabled(scene is not None)
        if scene is None or image_default is None or video_default is None:
            return
        blockers = [QSignalBlocker(w) for w in (self.prompt, self.duration, self.source,
                                                self.source_ref, self.transition, self.fade,
                                                self.end_on_next)]
        if self.prompt.toPlainText() != scene.prompt:
            self.prompt.setPlainText(scene.prompt)
        self.duration.setValue(scene.duration_seconds)
        self.source.setCurrentIndex(max(0, self.source.findData(scene.keyframe.kind)))
        self.source_ref.setText(scene.keyframe.ref or "")
        self.transition.setCurrentIndex(max(0, self.transition.findData(
            scene.transition.kind)))
        self.fade.setValue(scene.transition.seconds)
        self.end_on_next.setChecked(scene.end_on_next_keyframe)
        self._last = last
        del blockers
        self._sync_enabled()
        self.image_model.set_choice(scene.image_model, image_default)
        self.video_model.set_choice(scene.video_model, video_default)
        self._sync_end_frame(scene.video_model or video_default)

    def _sync_enabled(self) -> None:
        given = self.source.currentData() != "generate"
        self.source_ref.setEnabled(given)
        self.browse.setEnabled(self.source.currentData() == "file")
        self.image_model.setEnabled(not given)
        self.fade.setEnabled(self.transition.currentData() == "crossfade")

    def _sync_end_frame(self, video: ModelChoice | None) -> None:
        """*End on next keyframe* offered where it can be kept: not on the last scene, and
        only with a video model that takes an end frame (said at once when it is on)."""
        why = None if video is None else self.session.why_not_input(
            video.provider, video.model, Mode.IMG2VIDEO, Role.END_FRAME)
        on = self.end_on_next.isChecked()
        self.end_on_next.setEnabled(on or (not self._last and why is None))
        self.end_on_next.setToolTip(LAST_SCENE_TIP if self._last else why or END_ON_NEXT_TIP)
        problem = on and (why is not None or self._last)
        if problem:
            self.end_note.setText(
                (LAST_SCENE_TIP + " Turn this off.") if self._last else
                f"{why}: pick a video model that takes one, or turn this off.")
        self.end_note.setVisible(problem)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Keyframe image", "",
                                              "Images (*.png *.jpg *.jpeg *.webp)")
        if path:
            self.source_ref.setText(path)
            self._emit()

    def flush(self) -> None:
        """Send a pending edit now (before the storyboard runs or the scene changes)."""
        if self._debounce.isActive():
            self._debounce.stop()
            self._emit()

    def _emit(self, **models: ModelChoice | None) -> None:
        self._sync_enabled()
        if self.scene is None:
            return
        prompt = self.prompt.toPlainText().strip()
        if not prompt:
            return  # a scene needs a prompt: nothing is saved until it has one
        kind = self.source.currentData()
        ref = self.source_ref.text().strip() or None
        fade = self.fade.value() if self.transition.currentData() == "crossfade" else 0.0
        update = {
            "prompt": prompt, "duration_seconds": self.duration.value(),
            "keyframe": KeyframeSource(kind=kind, ref=ref if kind != "generate" else None),
            "transition": TransitionSpec(kind=self.transition.currentData(), seconds=fade),
            "end_on_next_keyframe": self.end_on_next.isChecked(),
            **models}
        scene = self.scene.model_copy(update=update)
        self._sync_end_frame(scene.video_model or self.video_model.fallback)
        if scene != self.scene:
            self.scene = scene
            self.changed.emit(scene)


__all__ = ["AuditionDialog", "ModelButton", "ModelDialog", "SceneEditor"]

