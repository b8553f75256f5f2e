"""The Queue dock: every job with progress, elapsed time, ETA and cost; cancel, retry,
filter, clear finished; and the notices (toasts, desktop) when jobs end.

What other packages may use is exported here and imported on first use (start-up paints
its first frame before the widgets load).
"""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "QueueDock": "dock",
    "FinishedNotices": "notices",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.queue.dock import QueueDock
    from studio.ui.queue.notices import FinishedNotices
