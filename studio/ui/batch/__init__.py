"""Batch from list: a text or CSV list of prompts sent to one or more models as one batch,
with each row's problems shown before anything is sent, a progress bar and Cancel all.

What other packages may use is exported here and imported on first use.
"""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "BatchDialog": "dialog",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.batch.dialog import BatchDialog
