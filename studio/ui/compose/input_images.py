"""Compose's inputs: images with the role each plays (input image, reference, start or end
frame), reorderable and removable, a mask for inpaint and outpaint, and the job's mode.
They come from the file picker, the clipboard, a typed https:// URL, drops (outputs, files,
URLs, pictures from other apps) and the iterate actions of the other views."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.inputs import ASSET_PREFIX, InputError, check_url, is_url
from studio.providers.base import Mode, Role
from studio.ui.compose.input_plan import Chosen
from studio.ui.compose.input_strip import PREVIEW, InputStrip
from studio.ui.iterate.mime import read_mime, to_refs
from studio.ui.iterate.request import ROLE_LABELS, USES, InputsRequest, Outpaint, asset_id_of
from studio.ui.widgets import SPACING, ImageLoader

if TYPE_CHECKING:
    from studio.core.service import Studio

FILTER = "Images (*.png *.jpg *.jpeg *.webp)"
MODES = [(None, "Mode: automatic"), (Mode.TXT2IMG, "Text to image"),
         (Mode.IMG2IMG, "Image to image"), (Mode.TXT2VIDEO, "Text to video"),
         (Mode.IMG2VIDEO, "Image to video"), (Mode.STORYBOARD, "Keyframes"),
         (Mode.INPAINT, "Inpaint"), (Mode.OUTPAINT, "Outpaint"), (Mode.UPSCALE, "Upscale"),
         (Mode.REMOVE_BACKGROUND, "Remove background")]


class InputImages(QWidget):
    changed = Signal()
    problem = Signal(str)  # an input that could not be added, in words
    editMask = Signal(str)  # the mask chip's "Edit mask…": reopen it in the mask editor

    def __init__(self, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.studio: Studio | None = None
        self.default_role: Callable[[], Role] = lambda: Role.INPUT
        self._limit = 0
        self._mask: str | None = None
        self.outpaint: Outpaint | None = None
        self._dialog: QFileDialog | QInputDialog | None = None
        self.list = InputStrip(loader, self.file_of, self)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.reordered.connect(self._changed)
        self.list.dropped.connect(self.drop)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._item_menu)
        for seq, slot in ((QKeySequence.StandardKey.Delete, self.remove_selected),
                          (QKeySequence.StandardKey.Paste, self.paste)):
            shortcut = QShortcut(QKeySequence(seq), self.list)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        self.mask_chip = QToolButton(self)
        self.mask_chip.setObjectName("maskChip")
        self.mask_chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.mask_chip.setIconSize(self.list.iconSize())
        self.mask_chip.setText("mask ✕")
        self.mask_chip.setToolTip("The mask (white = change). Click to remove it")
        self.mask_chip.clicked.connect(lambda: self.set_mask(None))
        self.mask_chip.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.mask_chip.customContextMenuRequested.connect(self._mask_menu)
        self.edit_mask_action = QAction("Edit mask…", self)
        self.edit_mask_action.setObjectName("maskChipEdit")
        self.edit_mask_action.triggered.connect(
            lambda _=False: self._mask and self.editMask.emit(self._mask))
        self.strip = QWidget(self)  # placed by the parent, under the controls row
        strip_box = QHBoxLayout(self.strip)
        strip_box.setContentsMargins(0, 0, 0, 0)
        strip_box.setSpacing(SPACING)
        strip_box.addWidget(self.list, 1)
        strip_box.addWidget(self.mask_chip)
        self.add_button = QPushButton("Add image…", self)
        self.add_button.setObjectName("addImage")
        self.add_button.clicked.connect(self.pick)
        self.more_button = QToolButton(self)
        self.more_button.setObjectName("addImageMore")
        self.more_button.setText("More")
        self.more_button.setToolTip("Paste an image, or add one by its https:// URL")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        more = QMenu(self.more_button)
        more.addAction("Paste image (Ctrl+V)", self.paste)
        more.addAction("Add an https:// URL…", self.ask_url)
        self.more_button.setMenu(more)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.mode_box = QComboBox(self)
        self.mode_box.setObjectName("composeMode")
        self.mode_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mode_box.setMinimumContentsLength(12)
        self.mode_box.setAccessibleName("Mode")
        self.mode_box.setToolTip("What the jobs do; automatic lets each model choose from "
                                 "the inputs")
        for mode, text in MODES:  # by value: Qt hands a str subclass back as a plain str
            self.mode_box.addItem(text, mode.value if mode else None)
        self.mode_box.currentIndexChanged.connect(lambda _i: self._changed())
        self.hint = QLabel(self)
        self.hint.setObjectName("imagesHint")
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        # Two short lines rather than one wide one: Compose's column stays narrow.
        buttons = QHBoxLayout()
        buttons.setSpacing(SPACING)
        for w in (self.add_button, self.more_button, self.remove_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        facts = QHBoxLayout()
        facts.setSpacing(SPACING)
        facts.addWidget(self.mode_box)
        facts.addWidget(self.hint, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACING // 2)
        column.addLayout(buttons)
        column.addLayout(facts)
        loader.loaded.connect(self._on_loaded)
        self.set_limit(0)

    def _on_loaded(self, key: str) -> None:
        if self._mask is not None and key == self.list.key(self._mask):
            pm = self.loader.pixmap(key)
            if pm is not None:
                self.mask_chip.setIcon(QIcon(pm))

    def attach(self, studio: Studio, default_role: Callable[[], Role]) -> None:
        """The studio (asset files, imports) and the role a new image gets."""
        self.studio = studio
        self.default_role = default_role

    # -- values -------------------------------------------------------------------------

    def chosen(self) -> list[Chosen]:
        return self.list.chosen()

    def refs(self) -> list[str]:
        return [c.ref for c in self.chosen()]

    def paths(self) -> list[str]:
        """The inputs' references in order (files, `asset:<id>`, URLs)."""
        return self.refs()

    @property
    def mask_ref(self) -> str | None:
        return self._mask

    def mode(self) -> Mode | None:
        value = self.mode_box.currentData()
        return Mode(value) if value else None

    def file_of(self, ref: str) -> str | None:
        """The file behind a reference (None for a URL or a missing asset)."""
        asset_id = asset_id_of(ref)
        if asset_id is not None:
            asset = self.studio.asset(asset_id) if self.studio is not None else None
            return asset.path if asset is not None else None
        return None if is_url(ref) else ref

    # -- changing -----------------------------------------------------------------------

    def set_paths(self, paths: list[str], roles: list[Role] | None = None) -> None:
        self.list.clear()
        self.outpaint = None
        self.add(paths, roles)

    def add_paths(self, paths: list[str]) -> None:
        self.add(paths)

    def add(self, refs: list[str], roles: list[Role] | Role | None = None) -> None:
        have = set(self.refs())
        for i, ref in enumerate(refs):
            if ref in have:
                continue
            role = roles[i] if isinstance(roles, list) else roles
            self.list.append(Chosen(ref, role or self.default_role()))
            have.add(ref)
        self._changed()

    def take(self, request: InputsRequest) -> None:
        """What an iterate action asked for: replace (a mask edit) or add."""
        if request.replace:
            self.list.clear()
            self._mask = None
        self.add(list(request.refs), request.role)
        if request.replace or request.mask:
            self.set_mask(request.mask, quiet=True)
        self.outpaint = request.outpaint if request.replace else self.outpaint
        if request.mode is not None or request.replace:
            self.set_mode(request.mode)
        self._changed()

    def set_mode(self, mode: Mode | None) -> None:
        self.mode_box.setCurrentIndex(max(0, self.mode_box.findData(mode.value if mode
                                                                     else None)))

    def set_mask(self, ref: str | None, *, quiet: bool = False) -> None:
        self._mask = ref
        if ref is None:
            self.outpaint = None
        path = self.file_of(ref) if ref else None
        key = self.list.key(ref) if ref else None
        if path and key:
            pm = self.loader.image(key, path, max_side=PREVIEW * 2)
            if pm is not None:
                self.mask_chip.setIcon(QIcon(pm))
        self.mask_chip.setToolTip(f"The mask: {ref}\nWhite = change, black = keep. Click to "
                                  "remove it" if ref else "")
        if not quiet:
            self._changed()

    def set_role(self, row: int, role: Role) -> None:
        self.list.set_role(row, role)
        self._changed()

    def move_input(self, row: int, delta: int) -> None:
        self.list.move_item(row, delta)

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self._changed()

    def set_limit(self, limit: int) -> None:
        self._limit = limit
        self._update_buttons()

    # -- ways in ------------------------------------------------------------------------

    def pick(self) -> None:
        """A non-modal file dialog (a nested exec() loop would block the async loop)."""
        dialog = QFileDialog(self, "Choose input images", str(Path.home()), FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(self.add_paths)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()

    def ask_url(self) -> QInputDialog:
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Add an image by URL")
        dialog.setLabelText("An https:// address the provider can fetch:")
        dialog.textValueSelected.connect(self.add_url)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()
        return dialog

    def add_url(self, text: str) -> bool:
        try:
            url = check_url(text)
        except InputError as exc:
            self.problem.emit(str(exc))
            return False
        self.add([url])
        return True

    def paste(self) -> bool:
        return self.drop(QGuiApplication.clipboard().mimeData())

    def drop(self, mime: QMimeData | None) -> bool:
        """Outputs, image files, https:// URLs or a picture (stored as an asset)."""
        dropped = read_mime(mime)
        if dropped.empty:
            self.problem.emit("Nothing to add: drop or paste an image, an output or an "
                              "https:// URL")
            return False
        try:
            refs = to_refs(self.studio, dropped) if self.studio is not None else []
        except (InputError, ValueError, OSError) as exc:
            self.problem.emit(f"That picture cannot be used: {exc}")
            return False
        bad = [r for r in refs if is_url(r) and not r.lower().startswith("https://")]
        if bad:
            self.problem.emit(f"{bad[0][:80]} is not an https:// URL")
        self.add([r for r in refs if r not in bad])
        return bool(refs) and not bad

    # -- the strip's menu -----------------------------------------------------------------

    def _item_menu(self, pos: QPoint) -> QMenu | None:
        item = self.list.itemAt(pos)
        if item is None:
            return None
        row = self.list.row(item)
        menu = QMenu(self.list)
        for role, _text in USES:
            action = menu.addAction(f"Use as {ROLE_LABELS[role]}",
                                    partial(self.set_role, row, role))
            action.setCheckable(True)
            action.setChecked(item.data(Qt.ItemDataRole.UserRole + 1) == role.value)
        menu.addSeparator()
        menu.addAction("Move left", lambda: self.move_input(row, -1)).setEnabled(row > 0)
        menu.addAction("Move right", lambda: self.move_input(row, 1)).setEnabled(
            row < self.list.count() - 1)
        menu.addAction("Remove", lambda: self._remove_row(row))
        menu.popup(self.list.viewport().mapToGlobal(pos))
        return menu

    def _mask_menu(self, pos: QPoint) -> QMenu | None:
        """The mask chip's menu: edit the mask (a saved mask asset) or remove it."""
        if self._mask is None:
            return None
        editable = self._mask.startswith(ASSET_PREFIX)
        self.edit_mask_action.setEnabled(editable)
        self.edit_mask_action.setToolTip("" if editable else "Only a mask saved in this "
                                         "studio can be edited")
        menu = QMenu(self.mask_chip)
        menu.addAction(self.edit_mask_action)
        menu.addAction("Remove mask", lambda: self.set_mask(None))
        menu.popup(self.mask_chip.mapToGlobal(pos))
        return menu

    def _remove_row(self, row: int) -> None:
        self.list.takeItem(row)
        self._changed()

    def _changed(self) -> None:
        self._update_buttons()
        self.changed.emit()

    def _update_buttons(self) -> None:
        count = self.list.count()
        self.add_button.setEnabled(count < self._limit)
        self.remove_button.setEnabled(bool(self.list.selectedItems()))
        if self._limit == 0:
            text = "The checked models take no input image."
        else:
            text = f"{count} of {self._limit} input image{'s' if self._limit > 1 else ''}"
            if count > self._limit:
                text += " (extra images are ignored)"
        self.hint.setText(text)
        self.list.setVisible(count > 0)
        self.mask_chip.setVisible(self._mask is not None)
        self.strip.setVisible(count > 0 or self._mask is not None)
