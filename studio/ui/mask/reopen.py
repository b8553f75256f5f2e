"""Reopening a saved mask: the editor over the image it was painted on, the mask loaded
as the painted layer (from the Gallery's "Edit mask…" and Compose's mask chip)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from studio.core.inputs import ASSET_PREFIX

if TYPE_CHECKING:
    from studio.ui.mask.editor import MaskEditor, SavedMask
    from studio.ui.session import Session


def open_mask_editor(session: Session, mask_ref: str, widget: QWidget,
                     on_saved: Callable[[SavedMask], object]) -> MaskEditor | None:
    """The editor with the mask loaded, shown; None (and a toast saying why) when it is not
    a mask painted over an image of this studio."""
    from studio.ui.mask.editor import MaskEditor

    mask_id = mask_ref.removeprefix(ASSET_PREFIX)
    source = session.studio.mask_source(mask_id)
    if source is None:
        session.toast.emit("error", "Cannot edit this mask: it is not a mask painted over "
                                    "an image of this studio")
        return None
    try:
        editor = MaskEditor(session, source.id, widget.window(), mask=mask_id)
    except ValueError as exc:
        session.toast.emit("error", f"Cannot edit the mask: {exc}")
        return None
    editor.saved.connect(on_saved)
    editor.show()
    return editor
