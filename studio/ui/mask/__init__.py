"""The mask editor: paint what to change on any image asset (inpaint), or extend its
canvas (outpaint), then hand image + mask to Compose.

What other packages may use is exported here and imported on first use (start-up paints
its first frame before the widgets load).
"""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "MaskEditor": "editor",
    "MaskLayer": "layer",
    "SavedMask": "editor",
    "open_mask_editor": "reopen",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.mask.editor import MaskEditor, SavedMask
    from studio.ui.mask.layer import MaskLayer
    from studio.ui.mask.reopen import open_mask_editor
