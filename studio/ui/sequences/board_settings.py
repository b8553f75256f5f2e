"""What the whole storyboard shares: its default image and video models, its aspect, and
up to 3 reference images (sent to every stage whose model takes references)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.sequences.storyboard_spec import MAX_REFERENCES, StoryboardSpec
from studio.ui.sequences.scene_editor import ModelButton
from studio.ui.session import Session

ASPECTS = ("", "16:9", "9:16", "1:1", "4:3", "3:4", "21:9")


class BoardSettings(QWidget):
    changed = Signal(object)  # StoryboardSpec

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storyboardSettings")
        self.spec: StoryboardSpec | None = None
        self.image_model = ModelButton(session, "Keyframe image model (default)", self)
        self.image_model.setObjectName("defaultImageModel")
        self.video_model = ModelButton(session, "Clip video model (default)", self)
        self.video_model.setObjectName("defaultVideoModel")
        self.aspect = QComboBox(self)
        self.aspect.setObjectName("storyboardAspect")
        for ratio in ASPECTS:
            self.aspect.addItem(ratio or "each model's own", ratio or None)
        self.references = QListWidget(self)
        self.references.setObjectName("referenceImages")
        self.references.setAccessibleName("Reference images")
        self.references.setMaximumHeight(80)
        self.add_reference = QPushButton("Add image…", self)
        self.add_reference.setObjectName("addReference")
        self.remove_reference = QPushButton("Remove", self)
        self.remove_reference.setObjectName("removeReference")
        refs_buttons = QHBoxLayout()
        refs_buttons.addWidget(self.add_reference)
        refs_buttons.addWidget(self.remove_reference)
        refs_buttons.addStretch(1)
        refs = QVBoxLayout()
        refs.addWidget(self.references)
        refs.addLayout(refs_buttons)
        form = QFormLayout(self)
        form.addRow("Image model", self.image_model)
        form.addRow("Video model", self.video_model)
        form.addRow("Aspect", self.aspect)
        form.addRow(f"References (≤ {MAX_REFERENCES})", refs)
        self.image_model.chosen.connect(lambda c: self._emit(image_model=c))
        self.video_model.chosen.connect(lambda c: self._emit(video_model=c))
        self.aspect.activated.connect(lambda _i: self._emit(aspect=self.aspect.currentData()))
        self.add_reference.clicked.connect(self._browse)
        self.remove_reference.clicked.connect(self._remove)

    def show_spec(self, spec: StoryboardSpec | None) -> None:
        self.spec = spec
        self.setEnabled(spec is not None)
        if spec is None:
            return
        self.image_model.set_choice(spec.image_model, spec.image_model)
        self.video_model.set_choice(spec.video_model, spec.video_model)
        at = self.aspect.findData(spec.aspect) if spec.aspect else 0
        self.aspect.setCurrentIndex(max(0, at))
        self.references.clear()
        self.references.addItems(spec.reference_images)
        full = len(spec.reference_images) >= MAX_REFERENCES
        self.add_reference.setEnabled(not full)
        self.remove_reference.setEnabled(bool(spec.reference_images))

    def add(self, ref: str) -> None:
        if self.spec is not None and len(self.spec.reference_images) < MAX_REFERENCES:
            self._emit(reference_images=[*self.spec.reference_images, ref])

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Reference image", "",
                                              "Images (*.png *.jpg *.jpeg *.webp)")
        if path:
            self.add(path)

    def _remove(self) -> None:
        row = self.references.currentRow()
        if self.spec is None or not self.spec.reference_images:
            return
        refs = list(self.spec.reference_images)
        refs.pop(row if 0 <= row < len(refs) else len(refs) - 1)
        self._emit(reference_images=refs)

    def _emit(self, **update: object) -> None:
        if self.spec is not None:
            self.spec = self.spec.model_copy(update=update)
            self.changed.emit(self.spec)
