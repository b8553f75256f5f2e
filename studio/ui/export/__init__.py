"""The export dialog: what to export, where, file names, optional C2PA signing.

What other packages may use is exported here and imported on first use (start-up paints
its first frame before the widgets load).
"""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "ExportDialog": "dialog",
    "open_export_dialog": "dialog",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.export.dialog import ExportDialog, open_export_dialog
