"""The Gallery tab (thumbnails, filters, ratings) and the Inspector dock (the full
provenance of the selected output).

What other packages may use is exported here and imported on first use (start-up paints
its first frame before the widgets load).
"""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "InspectorDock": "inspector",
    "ASSET_ROLE": "model",
    "GalleryModel": "model",
    "ID_ROLE": "model",
    "INFO_ROLE": "model",
    "ItemInfo": "model",
    "GalleryTab": "view",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.gallery.inspector import InspectorDock
    from studio.ui.gallery.model import ASSET_ROLE, ID_ROLE, INFO_ROLE, GalleryModel, ItemInfo
    from studio.ui.gallery.view import GalleryTab
