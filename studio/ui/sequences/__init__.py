"""The Sequences tab: storyboards (scenes made keyframe -> clip, approved stage by stage),
a timeline strip to order them, playback of the segments, and Stitch.

What other packages may use is exported here and imported on first use (start-up paints
its first frame before the widgets load).
"""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "SequencesTab": "tab",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.sequences.tab import SequencesTab
