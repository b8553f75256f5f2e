"""The Providers dock (every adapter, its models, prices, quota and status badge)
and the ComfyUI workflow import dialog that adds models to it.

What other packages may use is exported here and imported on first use (start-up paints
its first frame before the widgets load).
"""

from typing import TYPE_CHECKING

from studio.ui._lazy import lazy_exports

_EXPORTS = {
    "CatalogDock": "dock",
    "WorkflowImportDialog": "workflow_import",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.catalog.dock import CatalogDock
    from studio.ui.catalog.workflow_import import WorkflowImportDialog
