"""Iterating on a render, from any view of outputs: outputs as inputs (context menus,
drags, the clipboard), one-click clean-up jobs, and lineage. Compose takes what these
ask for (`InputsRequest`, through `Session.inputsRequested`).

What other packages may use is exported here and imported on first use (start-up paints
its first frame before the widgets load).
"""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "AssetActions": "actions",
    "Cleanup": "cleanup",
    "DragSource": "drag",
    "LineageDialog": "lineage_view",
    "LineageTree": "lineage_view",
    "ASSET_IDS_MIME": "mime",
    "asset_mime": "mime",
    "copy_assets": "mime",
    "read_mime": "mime",
    "to_refs": "mime",
    "InputsRequest": "request",
    "Outpaint": "request",
    "ROLE_LABELS": "request",
    "asset_ref": "request",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.iterate.actions import AssetActions
    from studio.ui.iterate.cleanup import Cleanup
    from studio.ui.iterate.drag import DragSource
    from studio.ui.iterate.lineage_view import LineageDialog, LineageTree
    from studio.ui.iterate.mime import ASSET_IDS_MIME, asset_mime, copy_assets, read_mime, to_refs
    from studio.ui.iterate.request import ROLE_LABELS, InputsRequest, Outpaint, asset_ref
