"""How a quality score looks wherever it is shown: its text, its colour, a small badge."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter

from studio.ui.widgets import status_color

# The Gallery's "minimum quality" choices: (label, score or None).
QUALITY_FILTERS = [("Any quality", None), ("Quality 50+", 50.0), ("Quality 70+", 70.0),
                   ("Quality 85+", 85.0)]
QUALITY_TIP = ("Quality score 0-100, measured on this computer (sharpness, exposure, noise, "
               "contrast; for videos also flicker, freezes and motion). Not taste, not prompt "
               "adherence. See docs/metrics.md.")


def quality_text(score: float | None, measured: bool = True) -> str:
    if not measured:
        return "Q …"
    return "Q —" if score is None else f"Q {score:.0f}"


def quality_color(score: float | None) -> QColor:
    if score is None:
        return status_color("disabled")
    if score >= 70:
        return status_color("succeeded")
    if score >= 45:
        return status_color("missing-credentials")
    return status_color("failed")


def paint_quality(painter: QPainter, rect: QRect, score: float | None,
                  align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignRight) -> None:
    """The score as coloured text in `rect` (nothing when the output is not measured)."""
    painter.save()
    painter.setPen(quality_color(score))
    painter.drawText(rect, align | Qt.AlignmentFlag.AlignVCenter, quality_text(score))
    painter.restore()
