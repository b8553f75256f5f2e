"""The Providers dock (every adapter, its models, prices, quota and status badge), the
one model picker every feature uses, and the ComfyUI workflow import dialog.

What other packages may use is exported here and imported on first use (start-up paints
its first frame before the widgets load).
"""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "CatalogDock": "dock",
    "ModelPicker": "picker",
    "WorkflowImportDialog": "workflow_import",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.catalog.dock import CatalogDock
    from studio.ui.catalog.picker import ModelPicker
    from studio.ui.catalog.workflow_import import WorkflowImportDialog
