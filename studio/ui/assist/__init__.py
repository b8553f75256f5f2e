"""The assistant and quality in the views: Enhance prompt (Compose), Analyze image and the
quality section (Gallery, Inspector), score badges (Gallery, Compare), run windows.

What other packages may use is exported here and imported on first use (start-up paints
its first frame before the widgets load).
"""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "AnalysisView": "analysis",
    "analyze_asset": "analysis",
    "ChangeBar": "enhance",
    "EnhanceButton": "enhance",
    "QUALITY_FILTERS": "quality",
    "QUALITY_TIP": "quality",
    "paint_quality": "quality",
    "quality_color": "quality",
    "quality_text": "quality",
    "QualityPanel": "quality_panel",
    "AssistRunDialog": "run_dialog",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.assist.analysis import AnalysisView, analyze_asset
    from studio.ui.assist.enhance import ChangeBar, EnhanceButton
    from studio.ui.assist.quality import (
        QUALITY_FILTERS,
        QUALITY_TIP,
        paint_quality,
        quality_color,
        quality_text,
    )
    from studio.ui.assist.quality_panel import QualityPanel
    from studio.ui.assist.run_dialog import AssistRunDialog
