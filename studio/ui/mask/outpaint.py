"""Outpaint: grow the canvas on any side by pixels, or to an aspect ratio with the picture
anchored where the artist wants it. The new area is masked (MaskLayer.extend)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from studio.core.masks import MAX_SIDE, Extension, MaskError, to_aspect
from studio.ui.widgets import SPACING

ASPECTS = ["1:1", "4:3", "3:2", "16:9", "21:9", "3:4", "2:3", "4:5", "9:16"]
ANCHORS = [("Centred", (0.5, 0.5)), ("Picture left / top", (0.0, 0.0)),
           ("Picture right / bottom", (1.0, 1.0))]
SIDES = ("left", "right", "up", "down")


class OutpaintPanel(QGroupBox):
    extensionChanged = Signal(object)  # Extension
    problem = Signal(str)

    def __init__(self, picture: QSize, parent: QWidget | None = None) -> None:
        super().__init__("Extend the canvas (outpaint)", parent)
        self.setObjectName("outpaintPanel")
        self.picture = picture
        self.spins: dict[str, QSpinBox] = {}
        grid = QGridLayout(self)
        grid.setSpacing(SPACING)
        for row, side in enumerate(SIDES):
            spin = QSpinBox(self)
            spin.setObjectName(f"extend_{side}")
            spin.setAccessibleName(f"Add pixels {side}")
            spin.setRange(0, MAX_SIDE)
            spin.setSingleStep(64)
            spin.setSuffix(" px")
            spin.valueChanged.connect(self._changed)
            grid.addWidget(QLabel(side.capitalize(), self), row, 0)
            grid.addWidget(spin, row, 1)
            self.spins[side] = spin
        self.aspect = QComboBox(self)
        self.aspect.setObjectName("extendAspect")
        self.aspect.setAccessibleName("Aspect ratio")
        self.aspect.setEditable(True)
        self.aspect.addItems(ASPECTS)
        self.aspect.setToolTip("Width:height, e.g. 16:9 (type your own)")
        self.anchor = QComboBox(self)
        self.anchor.setAccessibleName("Where the picture sits")
        for text, value in ANCHORS:
            self.anchor.addItem(text, value)
        self.apply_button = QPushButton("Extend to aspect", self)
        self.apply_button.setObjectName("extendToAspect")
        self.apply_button.clicked.connect(self.apply_aspect)
        self.reset_button = QPushButton("No extension", self)
        self.reset_button.clicked.connect(lambda: self.set_extension(Extension()))
        grid.addWidget(QLabel("Aspect", self), 4, 0)
        grid.addWidget(self.aspect, 4, 1)
        grid.addWidget(self.anchor, 5, 0, 1, 2)
        grid.addWidget(self.apply_button, 6, 0, 1, 2)
        grid.addWidget(self.reset_button, 7, 0, 1, 2)
        self._quiet = False

    def extension(self) -> Extension:
        return Extension(**{side: spin.value() for side, spin in self.spins.items()})

    def set_extension(self, extension: Extension) -> None:
        self._quiet = True
        for side, value in extension.as_params().items():
            self.spins[side].setValue(value)
        self._quiet = False
        self._changed()

    def apply_aspect(self) -> None:
        try:
            extension = to_aspect(self.picture.width(), self.picture.height(),
                                  self.aspect.currentText(), self.anchor.currentData())
        except MaskError as exc:
            self.problem.emit(str(exc))
            return
        self.set_extension(extension)

    def _changed(self) -> None:
        if self._quiet:
            return
        extension = self.extension()
        width, height = extension.size(self.picture.width(), self.picture.height())
        if max(width, height) > MAX_SIDE:
            self.problem.emit(f"The canvas would be {width}×{height}; the largest side "
                              f"allowed is {MAX_SIDE} pixels")
            return
        self.extensionChanged.emit(extension)
