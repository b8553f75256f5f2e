"""The iterate actions on the outputs a view has selected, the same in the Gallery, the
Viewer, the Compare cells and the Inspector: use as input image, reference, start or end
frame; paint a mask (inpaint) or extend the canvas (outpaint); upscale, remove the
background, vary, vary the prompt; show the lineage."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from studio.providers.base import Mode, Role
from studio.ui.iterate.cleanup import Cleanup
from studio.ui.iterate.request import USES, InputsRequest, Outpaint, asset_ref
from studio.ui.sequences.chain_action import chain_action
from studio.ui.widgets import ImageLoader, status_label

if TYPE_CHECKING:
    from studio.ui.iterate.lineage_view import LineageDialog
    from studio.ui.mask import MaskEditor, SavedMask
    from studio.ui.session import Session

_NAMES = {Role.INPUT: "iterateUseInput", Role.REFERENCE: "iterateAddReference",
          Role.START_FRAME: "iterateStartFrame", Role.END_FRAME: "iterateEndFrame"}


class AssetActions(QObject):
    def __init__(self, session: Session, widget: QWidget, ids: Callable[[], list[str]],
                 loader: ImageLoader | None = None) -> None:
        super().__init__(widget)
        self.session = session
        self.widget = widget
        self.ids = ids
        self.loader = loader
        self.cleanup = Cleanup(session, widget)
        self.editor: MaskEditor | None = None
        self.dialog: LineageDialog | None = None
        self.uses: dict[Role, QAction] = {}
        for role, text in USES:
            action = self._action(_NAMES[role], text, partial(self.use, role))
            self.uses[role] = action
        self.mask_action = self._action("iterateMask", "Paint a mask (inpaint)…",
                                        self.paint_mask)
        self.outpaint_action = self._action("iterateOutpaint", "Outpaint (extend the "
                                            "canvas)…", partial(self.paint_mask, True))
        self.edit_mask_action = self._action("iterateEditMask", "Edit mask…",
                                             self.edit_mask)
        self.upscale_menu = self._menu("iterateUpscale", "Upscale", Mode.UPSCALE)
        self.background_menu = self._menu("iterateRemoveBackground", "Remove background",
                                          Mode.REMOVE_BACKGROUND)
        self.vary_action = self._action("iterateVary", "Vary (new seed)", self.vary)
        self.vary_prompt_action = self._action("iterateVaryPrompt", "Vary prompt…",
                                               self.vary_prompt)
        self.lineage_action = self._action("iterateLineage", "Show lineage…",
                                           self.show_lineage)
        self.chain_action = chain_action(session, widget, ids)  # ui/sequences/chain_dialog

    def _action(self, name: str, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.widget)
        action.setObjectName(name)
        action.triggered.connect(lambda _=False: slot())
        return action

    def _menu(self, name: str, text: str, mode: Mode) -> QMenu:
        menu = QMenu(text, self.widget)
        menu.menuAction().setObjectName(name)
        menu.aboutToShow.connect(partial(self._fill_models, menu, mode))
        return menu

    def actions(self) -> list[QAction]:
        """In menu order, with separators (for a view's ActionsContextMenu)."""
        out: list[QAction] = [self._separator(), *self.uses.values(), self._separator(),
                              self.mask_action, self.edit_mask_action,
                              self.outpaint_action, self.upscale_menu.menuAction(),
                              self.background_menu.menuAction(), self.vary_action,
                              self.vary_prompt_action, self._separator(),
                              self.lineage_action, self.chain_action]
        return out

    def _separator(self) -> QAction:
        sep = QAction(self.widget)
        sep.setSeparator(True)
        return sep

    def fill(self, menu: QMenu) -> None:
        self.update()
        for action in self.actions():
            menu.addAction(action)

    # -- what the selection allows ------------------------------------------------------

    def update(self) -> None:
        ids = self.ids()
        assets = self.session.studio.assets(ids[:1])
        first = assets.get(ids[0]) if ids else None
        image = first is not None and first.media_type.startswith("image/")
        job = self.session.studio.job(first.job_id) if first is not None else None
        made = job is not None and job.provider != "studio"  # a provider's output
        for action in (*self.uses.values(), self.mask_action, self.outpaint_action,
                       self.upscale_menu.menuAction(), self.background_menu.menuAction()):
            action.setEnabled(image)
        for action in (self.vary_action, self.vary_prompt_action):
            action.setEnabled(made)
        self.edit_mask_action.setEnabled(image and job is not None and job.provider == "studio"
                                         and job.mode == "mask")
        self.lineage_action.setEnabled(first is not None)
        video = first is not None and not image
        tip = "A video cannot be an input image: save a frame of it first" if video else ""
        for action in self.uses.values():
            action.setToolTip(tip or action.text())

    def _fill_models(self, menu: QMenu, mode: Mode) -> None:
        menu.clear()
        found = self.cleanup.models(mode)
        for target, label, status in found:
            action = menu.addAction(f"{label} ({status_label(status)})",
                                    partial(self.clean, mode, target))
            action.setObjectName(f"{mode.value}:{target[0]}/{target[1]}")
        if not found:
            menu.addAction("No model can do this yet").setEnabled(False)

    # -- doing it -----------------------------------------------------------------------

    def _first(self) -> str | None:
        ids = self.ids()
        return ids[0] if ids else None

    def use(self, role: Role) -> None:
        """The selected images go to Compose in this role (videos are left out)."""
        found = self.session.studio.assets(self.ids())
        refs = tuple(asset_ref(i) for i, a in found.items() if a.media_type.startswith("image/"))
        if not refs:
            self.session.toast.emit("info", "Choose an image: a video cannot be an input "
                                            "image (save a frame of it in the Viewer)")
            return
        self.session.inputsRequested.emit(InputsRequest(refs=refs, role=role))

    def paint_mask(self, outpaint: bool = False) -> MaskEditor | None:
        from studio.ui.mask import MaskEditor

        asset_id = self._first()
        if asset_id is None:
            return None
        try:
            editor = MaskEditor(self.session, asset_id, self.widget.window(), outpaint=outpaint)
        except ValueError as exc:
            self.session.toast.emit("error", f"Cannot paint a mask: {exc}")
            return None
        editor.saved.connect(self.mask_saved)
        editor.show()
        self.editor = editor
        return editor

    def edit_mask(self) -> MaskEditor | None:
        """Reopen a saved mask over the image it was painted on; saving makes a new mask
        whose parents are the image and this mask."""
        from studio.ui.mask import open_mask_editor

        mask_id = self._first()
        if mask_id is None:
            return None
        editor = open_mask_editor(self.session, mask_id, self.widget, self.mask_saved)
        self.editor = editor or self.editor
        return editor

    def mask_saved(self, saved: SavedMask) -> None:
        """Compose set up for the inpaint or outpaint job: image + mask (+ the sides)."""
        outpaint = None if saved.extension.empty else Outpaint(saved.source, saved.extension)
        self.session.inputsRequested.emit(InputsRequest(
            refs=(saved.image,), mode=saved.mode, mask=saved.mask, outpaint=outpaint,
            replace=True))

    def clean(self, mode: Mode, target: tuple[str, str]) -> None:
        asset_id = self._first()
        if asset_id is not None:
            self.cleanup.run(asset_id, mode, target)

    def vary(self) -> None:
        asset_id = self._first()
        if asset_id is not None:
            self.cleanup.vary(asset_id)

    def vary_prompt(self) -> None:
        asset_id = self._first()
        if asset_id is not None:
            self.cleanup.vary_prompt(asset_id)

    def show_lineage(self) -> LineageDialog | None:
        from studio.ui.iterate.lineage_view import LineageDialog

        asset_id = self._first()
        if asset_id is None:
            return None
        dialog = LineageDialog(self.session, asset_id, self.loader, self.widget.window())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()  # never exec(): a nested loop inside the async loop fails
        self.dialog = dialog
        return dialog

