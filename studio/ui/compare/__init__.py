"""The Compare tab: compare groups in a grid, side by side, wipe and overlay, blind
voting and the artist's scoreboard.

What other packages may use is exported here and imported on first use (start-up paints
its first frame before the widgets load).
"""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "CompareTab": "view",
    "ComparePage": "page",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.compare.page import ComparePage
    from studio.ui.compare.view import CompareTab
