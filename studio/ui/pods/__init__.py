"""The Pods dock: RunPod pods (account, GPU types, templates, volumes, pods), the Create
dialog, the pods' running cost in the status bar and their part of the quit question.

What other packages may use is exported here and imported on first use.
"""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "PodsDock": "dock",
    "PodsCostLabel": "status",
    "CreatePodDialog": "create_dialog",
    "quit_question": "quit",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.pods.create_dialog import CreatePodDialog
    from studio.ui.pods.dock import PodsDock
    from studio.ui.pods.quit import quit_question
    from studio.ui.pods.status import PodsCostLabel
