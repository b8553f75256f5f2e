"""The Dashboard tab: Spend & speed (spend per day or week, latency, success rates, the
scoreboard with its uncertainty) from `Studio.stats`, with PNG and CSV export.

Exported lazily: start-up paints its first frame before the charts module loads, and the
tab itself is built the first time it is shown (`install`)."""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "DashboardTab": "tab",
    "install": "install",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.dashboard.install import install
    from studio.ui.dashboard.tab import DashboardTab
