"""The mask editor over an image asset: brush and eraser (size, hardness), rectangle and
lasso, invert, clear, feather, zoom and pan, undo/redo, the overlay's opacity, and the
outpaint canvas. "Save mask" stores it (Studio.save_mask; for an extended canvas the
canvas too) and sets Compose up for an inpaint or outpaint job with image + mask."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImageReader, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.inputs import ASSET_PREFIX
from studio.core.jobs import Asset
from studio.core.masks import Extension
from studio.providers.base import Mode
from studio.ui.mask.canvas import MaskView, Tool
from studio.ui.mask.layer import MaskLayer
from studio.ui.mask.outpaint import OutpaintPanel
from studio.ui.widgets import SPACING

if TYPE_CHECKING:
    from studio.ui.session import Session

TOOLS = [(Tool.BRUSH, "Brush", "B"), (Tool.ERASER, "Eraser", "E"),
         (Tool.RECTANGLE, "Rectangle", "R"), (Tool.LASSO, "Lasso", "L"), (Tool.PAN, "Pan", "H")]


def _slider(parent: QWidget, name: str, low: int, high: int, value: int) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal, parent)
    slider.setObjectName(name)
    slider.setRange(low, high)
    slider.setValue(value)
    return slider


@dataclass(frozen=True)
class SavedMask:
    """What was stored: the picture the job edits (an outpaint's extended canvas), its
    mask, the mode, and for outpaint the original picture and how far it grew."""

    image: str  # asset:<id>
    mask: str
    mode: Mode
    source: str
    extension: Extension


def asset_ref(asset_id: str) -> str:
    return f"{ASSET_PREFIX}{asset_id}"


class MaskEditor(QWidget):
    """A window of its own (non-modal): the Gallery stays usable while painting."""

    saved = Signal(object)  # SavedMask, once stored (the editor closes then)

    def __init__(self, session: Session, asset_id: str, parent: QWidget | None = None, *,
                 outpaint: bool = False, mask: str | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("maskEditor")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.session = session
        self.studio = session.studio
        asset = self.studio.asset(asset_id)
        if asset is None or not asset.media_type.startswith("image/"):
            raise ValueError("a mask is painted over a picture of this studio")
        self.asset: Asset = asset
        reader = QImageReader(asset.path)
        reader.setAutoTransform(True)
        picture = QPixmap.fromImage(reader.read())
        if picture.isNull():
            raise ValueError(f"the picture could not be read ({reader.errorString()})")
        self.setWindowTitle(f"Mask — {asset.width or picture.width()}×"
                            f"{asset.height or picture.height()} — Provider Studio")
        self.layer = MaskLayer(picture.size(), self)
        # Editing a saved mask: it is the starting layer; the new mask names it as parent.
        self.edited: Asset | None = None
        self.load_note = ""
        if mask is not None:
            self.edited, loaded, self.load_note = _read_mask(self.studio, mask, picture.size())
            self.layer.load(loaded)
        self.canvas = MaskView(self.layer, picture, self)
        self.saving = False

        self.tools = QButtonGroup(self)
        tool_row = QHBoxLayout()
        tool_row.setSpacing(SPACING // 2)
        for tool, text, key in TOOLS:
            button = QToolButton(self)
            button.setObjectName(f"maskTool_{tool.value}")
            button.setText(text)
            button.setCheckable(True)
            button.setToolTip(f"{text} ({key})" + (": the right button or Alt erases"
                                                   if tool in (Tool.RECTANGLE, Tool.LASSO)
                                                   else ""))
            button.clicked.connect(lambda _=False, t=tool: self.set_tool(t))
            QShortcut(QKeySequence(key), self).activated.connect(
                lambda t=tool: self.set_tool(t))
            self.tools.addButton(button)
            tool_row.addWidget(button)
        self.brush_size = _slider(self, "maskBrushSize", 1, 512, 32)
        self.brush_size.valueChanged.connect(lambda v: setattr(self.canvas, "radius", v / 2))
        self.brush_size.setValue(64)
        self.hardness = _slider(self, "maskHardness", 0, 100, 70)
        self.hardness.valueChanged.connect(lambda v: setattr(self.canvas, "hardness",
                                                             v / 100))
        self.opacity = _slider(self, "maskOpacity", 5, 100, 50)
        self.opacity.valueChanged.connect(lambda v: self.canvas.set_opacity(v / 100))
        self.feather_radius = QDoubleSpinBox(self)
        self.feather_radius.setObjectName("maskFeatherRadius")
        self.feather_radius.setRange(0.5, 128)
        self.feather_radius.setValue(8)
        self.feather_radius.setSuffix(" px")
        form = QFormLayout()
        form.addRow("Size", self.brush_size)
        form.addRow("Hardness", self.hardness)
        form.addRow("Overlay", self.opacity)

        def push(name: str, text: str, slot, tip: str = "") -> QPushButton:
            made = QPushButton(text, self)
            made.setObjectName(name)
            made.setToolTip(tip)
            made.clicked.connect(lambda _=False: slot())
            return made

        self.undo_button = push("maskUndo", "Undo", self.layer.undo.undo, "Ctrl+Z")
        self.redo_button = push("maskRedo", "Redo", self.layer.undo.redo, "Ctrl+Shift+Z")
        self.invert_button = push("maskInvert", "Invert", self.layer.invert, "I")
        self.clear_button = push("maskClear", "Clear", self.layer.clear)
        self.feather_button = push("maskFeather", "Feather",
                                     lambda: self.layer.feather(self.feather_radius.value()),
                                     "Soften the edges by this many pixels")
        self.fit_button = push("maskFit", "Fit", self.canvas.fit, "F")
        self.layer.undo.canUndoChanged.connect(self.undo_button.setEnabled)
        self.layer.undo.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        for seq, slot in ((QKeySequence.StandardKey.Undo, self.layer.undo.undo),
                          (QKeySequence.StandardKey.Redo, self.layer.undo.redo),
                          (QKeySequence("Ctrl+Shift+Z"), self.layer.undo.redo),
                          (QKeySequence("I"), self.layer.invert),
                          (QKeySequence("F"), self.canvas.fit),
                          (QKeySequence("["), lambda: self.grow_brush(-8)),
                          (QKeySequence("]"), lambda: self.grow_brush(8)),
                          (QKeySequence.StandardKey.Save, self.save)):
            QShortcut(QKeySequence(seq), self).activated.connect(slot)
        edits = QHBoxLayout()
        for w in (self.undo_button, self.redo_button, self.invert_button, self.clear_button):
            edits.addWidget(w)
        feather = QHBoxLayout()
        feather.addWidget(self.feather_radius)
        feather.addWidget(self.feather_button)
        feather.addWidget(self.fit_button)
        self.outpaint = OutpaintPanel(picture.size(), self)
        self.outpaint.extensionChanged.connect(self.layer.extend)
        self.outpaint.problem.connect(lambda text: self.session.toast.emit("error", text))
        self.layer.resized.connect(self._sync_spins)
        self.status = QLabel(self)
        self.status.setObjectName("maskStatus")
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save mask and use in Compose", self)
        self.save_button.setObjectName("maskSave")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Cancel", self)
        cancel.clicked.connect(self.close)

        side = QVBoxLayout()
        side.setSpacing(SPACING)
        side.addLayout(tool_row)
        side.addLayout(form)
        side.addLayout(edits)
        side.addLayout(feather)
        side.addWidget(self.outpaint)
        side.addStretch(1)
        side.addWidget(self.status)
        side.addWidget(self.save_button)
        side.addWidget(cancel)
        panel = QWidget(self)
        panel.setLayout(side)
        panel.setFixedWidth(300)
        box = QHBoxLayout(self)
        box.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        box.addWidget(self.canvas, 1)
        box.addWidget(panel)
        self.layer.changed.connect(lambda _r: self._update_status())
        self.layer.resized.connect(self._update_status)
        self.set_tool(Tool.BRUSH)
        self.resize(QSize(1100, 760))
        if self.edited is not None:
            self.setWindowTitle(f"Edit mask — {self.windowTitle().removeprefix('Mask — ')}")
            self.save_button.setText("Save as a new mask and use in Compose")
        if self.load_note:
            self.session.toast.emit("info", self.load_note)
        if outpaint:
            self.outpaint.aspect.setFocus()
        self._update_status()

    # -- tools --------------------------------------------------------------------------

    def grow_brush(self, pixels: int) -> None:
        self.brush_size.setValue(self.brush_size.value() + pixels)

    def set_tool(self, tool: Tool) -> None:
        self.canvas.set_tool(tool)
        for button in self.tools.buttons():
            button.setChecked(button.objectName() == f"maskTool_{tool.value}")

    def _sync_spins(self) -> None:
        if self.layer.extension != self.outpaint.extension():  # an undo changed the canvas
            self.outpaint.blockSignals(True)
            self.outpaint.set_extension(self.layer.extension)
            self.outpaint.blockSignals(False)

    def _update_status(self) -> None:
        rect = self.layer.rect()
        grown = "" if self.layer.extension.empty else " (extended: outpaint)"
        note = f" {self.load_note}" if self.load_note else ""
        self.status.setText(f"Canvas {rect.width()}×{rect.height()}{grown}. White = change, "
                            f"black = keep.{note}")

    # -- saving -------------------------------------------------------------------------

    def save(self) -> None:
        if self.saving:
            return
        mask = self.layer.array()
        if not mask.any():
            self.session.toast.emit("info", "Paint the area to change first (or extend the "
                                            "canvas): the mask is empty.")
            return
        self.saving = True
        self.save_button.setEnabled(False)
        self.session.spawn(self._save(mask, self.layer.extension), what="Saving the mask")

    async def _save(self, mask: np.ndarray, extension: Extension) -> SavedMask:
        try:
            result = await self._store(mask, extension)
        finally:
            self.saving = False
            self.save_button.setEnabled(True)
        self.saved.emit(result)
        what = "outpaint" if result.mode is Mode.OUTPAINT else "inpaint"
        self.session.toast.emit("success", f"Mask saved: Compose is set up to {what} "
                                           "(choose a model that can, then Generate)")
        self.layer.undo.setClean()
        self.close()
        return result

    async def _store(self, mask: np.ndarray, extension: Extension) -> SavedMask:
        png = await asyncio.to_thread(_png, mask)
        image = asset_ref(self.asset.id)
        if extension.empty:
            edited = self.edited.id if self.edited is not None else None
            stored = await asyncio.to_thread(self.studio.save_mask, self.asset.id, png, edited)
            return SavedMask(image, asset_ref(stored.id), Mode.INPAINT, image, extension)
        canvas, auto = await asyncio.to_thread(self.studio.iteration.outpaint_canvas,
                                               self.asset.id, extension)
        if not np.array_equal(mask >= 128, _new_area(mask.shape, extension)):
            auto = await asyncio.to_thread(self.studio.save_mask, canvas.id, png)
        return SavedMask(asset_ref(canvas.id), asset_ref(auto.id), Mode.OUTPAINT, image,
                         extension)


def _read_mask(studio, mask_ref: str, size: QSize) -> tuple[Asset, np.ndarray, str]:
    """(the mask asset, its pixels at the picture's size, a note when it was scaled)."""
    from PIL import Image, UnidentifiedImageError

    from studio.core.masks import _greyscale

    found = studio.asset(mask_ref.removeprefix(ASSET_PREFIX))
    if found is None or not found.media_type.startswith("image/"):
        raise ValueError(f"no mask {mask_ref!r} in this studio")
    try:
        with Image.open(found.path) as source:
            grey = _greyscale(source)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"the mask could not be read ({exc})") from None
    note = ""
    if grey.size != (size.width(), size.height()):
        note = (f"The mask was {grey.width}×{grey.height} and was scaled to the picture's "
                f"{size.width()}×{size.height()}: check its edges.")
        grey = grey.resize((size.width(), size.height()), Image.Resampling.BILINEAR)
    return found, np.asarray(grey, dtype=np.uint8).copy(), note


def _png(mask: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(mask, "L").save(out, "PNG", compress_level=6)
    return out.getvalue()


def _new_area(shape: tuple[int, ...], extension: Extension) -> np.ndarray:
    """What outpaint_canvas masks by itself: everything but the picture."""
    area = np.ones(shape[:2], dtype=bool)
    height, width = shape[:2]
    inner_w = width - extension.left - extension.right
    inner_h = height - extension.up - extension.down
    area[extension.up:extension.up + inner_h, extension.left:extension.left + inner_w] = False
    return area
