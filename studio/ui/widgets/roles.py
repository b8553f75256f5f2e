"""What a widget's `role` property means for its look, applied by the app's style
(theme.StudioStyle) instead of an application style sheet.

Any application style sheet puts every widget under Qt's style-sheet style, which made
building the main window ~55 ms slower (bench/gui_startup) and every repaint dearer, for
a handful of rules. So labels get their colour and weight when the style polishes them,
and the framed roles are drawn by the style:

- QLabel `muted` / `caption`: the muted text colour; `error`: the error colour;
  `heading`: semi-bold; `title`: semi-bold at 15 pt.
- QFrame `field` (a form field; red while its `invalid` property is true), `card` and
  `banner` (an error-coloured box): a 1 px rounded border.
- QLineEdit `value`: no frame, no background (a read-only value that scrolls).
- Labels in the status bar get 6 px either side.

A role set or changed after the widget is shown takes effect with theme.repolish().
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFrame,
    QLabel,
    QLineEdit,
    QStatusBar,
    QStyleOption,
    QToolBar,
    QWidget,
)

# (light theme, dark theme)
_MUTED = ("#6b6b70", "#9a9da3")
_BORDER = ("#c9c9ce", "#45484e")
_LINE = ("#d4d4d9", "#24262a")  # under the toolbar, over the status bar
_ERROR = ("#c0262d", "#ff6b6b")  # theme._STATUS["error"]
_MUTED_ROLES = ("muted", "caption")
_BOLD_ROLES = ("heading", "title")
FRAMED_ROLES = ("field", "card", "banner")
_STYLED = "studioRoleStyled"  # set on a label once its role changed its palette or font
MAIN_TOOLBAR = "mainToolbar"
CENTRE_TABS = "centreTabs"


def _pick(pair: tuple[str, str]) -> QColor:
    dark = QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
    return QColor(pair[1] if dark else pair[0])


def muted_color() -> QColor:
    return _pick(_MUTED)


def polish_role(widget: QWidget) -> None:
    """Give a widget the look its role asks for (called by the style's polish)."""
    role = widget.property("role")
    if isinstance(widget, QLabel):
        _polish_label(widget, role if isinstance(role, str) else "")
    elif role == "value" and isinstance(widget, QLineEdit):
        palette = widget.palette()
        palette.setColor(QPalette.ColorRole.Base, Qt.GlobalColor.transparent)
        widget.setPalette(palette)
        widget.setFrame(False)
    elif role == "banner" and isinstance(widget, QFrame):
        widget.setContentsMargins(9, 9, 9, 9)  # inside its 1 px border, 8 px of padding


def _polish_label(label: QLabel, role: str) -> None:
    if isinstance(label.parent(), QStatusBar):
        label.setContentsMargins(6, 0, 6, 0)
    if not role and not label.property(_STYLED):
        return  # the common case: a plain label, left alone
    palette = label.palette()
    if role in _MUTED_ROLES:
        color = muted_color()
    elif role == "error":
        color = _pick(_ERROR)
    else:  # no colour of its own, or no role any more: the theme's text colour
        color = QApplication.palette().color(QPalette.ColorRole.WindowText)
    palette.setColor(QPalette.ColorRole.WindowText, color)
    label.setPalette(palette)
    font = label.font()
    font.setWeight(QFont.Weight.DemiBold if role in _BOLD_ROLES else QFont.Weight.Normal)
    if role == "title":
        font.setPointSizeF(15)
    label.setFont(font)
    label.setProperty(_STYLED, True)


def draw_role_frame(painter: QPainter, widget: QWidget | None) -> bool:
    """Draw a framed role's border; False when the widget has no such role."""
    if not isinstance(widget, QFrame):
        return False
    role = widget.property("role")
    if role not in FRAMED_ROLES:
        return False
    if role == "field":
        if not widget.property("invalid"):
            return True  # a valid field shows no border
        color = _pick(_ERROR)
    else:
        color = _pick(_ERROR) if role == "banner" else _pick(_BORDER)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(color)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    radius = 4 if role == "field" else 6
    # The whole widget, not option.rect: QFrame's frame rect lies inside its margins.
    painter.drawRoundedRect(QRectF(widget.rect()).adjusted(0.5, 0.5, -0.5, -0.5), radius,
                            radius)
    painter.restore()
    return True


def draw_bar_line(painter: QPainter, widget: QWidget | None, option: QStyleOption) -> None:
    """The 1 px line between the main toolbar or the status bar and the window."""
    rect = option.rect
    if isinstance(widget, QToolBar) and widget.objectName() == MAIN_TOOLBAR:
        y = rect.bottom()
    elif isinstance(widget, QStatusBar):
        y = rect.top()
    else:
        return
    painter.save()
    painter.setPen(_pick(_LINE))
    painter.drawLine(rect.left(), y, rect.right(), y)
    painter.restore()


def bold_title(painter: QPainter, widget: QWidget | None) -> None:
    """Dock titles are semi-bold (the dock's own text stays as it is)."""
    if isinstance(widget, QDockWidget):
        font = QFont(painter.font())
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)


def repolish_roles(app: QApplication) -> None:
    """After a theme change: widgets whose role set a colour take the new theme's."""
    style = app.style()
    for widget in app.allWidgets():
        if widget.property(_STYLED):
            style.polish(widget)
            widget.update()
