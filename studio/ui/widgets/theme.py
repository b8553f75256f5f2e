"""The bundled look: Fusion, a light and a dark palette that follow the system colour
scheme, status colours readable in both, and the badge painter the views share."""

from __future__ import annotations

import os

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontInfo,
    QFontMetrics,
    QGuiApplication,
    QIcon,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QWidget

from studio.resources import ROOT as RESOURCES
from studio.ui.widgets.roles import (
    CENTRE_TABS,
    bold_title,
    draw_bar_line,
    draw_role_frame,
    polish_role,
    repolish_roles,
)

SPACING = 8  # the grid every layout uses
APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


# (light theme, dark theme) colours per status key; jobs and catalog share the palette.
_STATUS: dict[str, tuple[str, str]] = {
    "live": ("#1b7f3b", "#5cc97b"),
    "succeeded": ("#1b7f3b", "#5cc97b"),
    "dry-run": ("#4a55a2", "#9fa8ff"),
    "dry_run": ("#4a55a2", "#9fa8ff"),
    "missing-credentials": ("#9a5b00", "#f0b44c"),
    "low-quota": ("#b44700", "#ff9a5c"),
    "disabled": ("#6b6b6b", "#a0a0a0"),
    "cancelled": ("#6b6b6b", "#a0a0a0"),
    "draft": ("#6b6b6b", "#a0a0a0"),
    "sandbox": ("#00766c", "#4fd1c5"),
    "queued": ("#1f5fae", "#73b3ff"),
    "submitting": ("#1f5fae", "#73b3ff"),
    "submitted": ("#1f5fae", "#73b3ff"),
    "running": ("#1f5fae", "#73b3ff"),
    "failed": ("#c0262d", "#ff6b6b"),
    "unknown": ("#7d3c98", "#d39cf0"),
    "refused": ("#b44700", "#ff9a5c"),
    "error": ("#c0262d", "#ff6b6b"),
    "cannot": ("#a0407a", "#e58fc4"),  # a model that cannot take Compose's inputs
}

STATUS_LABELS = {
    "missing-credentials": "missing key",
    "low-quota": "low quota",
    "dry_run": "dry-run",
    "cannot": "can't use inputs",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def status_color(status: str, dark: bool | None = None) -> QColor:
    light, night = _STATUS.get(status, ("#6b6b6b", "#a0a0a0"))
    return QColor(night if (is_dark() if dark is None else dark) else light)


def error_color() -> QColor:
    return status_color("error")


# ---- palettes --------------------------------------------------------------------------


def _palette(dark: bool) -> QPalette:
    p = QPalette()
    if dark:
        colors = {
            "Window": "#33363c", "WindowText": "#e6e6e6", "Base": "#202226",
            "AlternateBase": "#272a2f", "ToolTipBase": "#3a3d42", "ToolTipText": "#f0f0f0",
            "Text": "#e6e6e6", "Button": "#3d4047", "ButtonText": "#e6e6e6",
            "BrightText": "#ffffff", "Highlight": "#3d7bd9", "HighlightedText": "#ffffff",
            "Link": "#7fb2ff", "LinkVisited": "#b79cff", "PlaceholderText": "#8a8d93",
            "Mid": "#45484e", "Dark": "#18191b", "Light": "#4a4d53", "Midlight": "#3c3f44",
            "Shadow": "#000000",
        }
    else:
        colors = {
            "Window": "#f3f3f5", "WindowText": "#1d1d1f", "Base": "#ffffff",
            "AlternateBase": "#f6f7f9", "ToolTipBase": "#ffffe8", "ToolTipText": "#1d1d1f",
            "Text": "#1d1d1f", "Button": "#ececee", "ButtonText": "#1d1d1f",
            "BrightText": "#ffffff", "Highlight": "#2f6fd0", "HighlightedText": "#ffffff",
            "Link": "#1f5fae", "LinkVisited": "#6b3fae", "PlaceholderText": "#8a8a8e",
            "Mid": "#c4c4c8", "Dark": "#a0a0a5", "Light": "#ffffff", "Midlight": "#e2e2e5",
            "Shadow": "#6b6b6b",
        }
    for role, value in colors.items():
        p.setColor(getattr(QPalette.ColorRole, role), QColor(value))
    disabled = QColor("#6f7278") if dark else QColor("#a3a3a8")
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


THEMES = ("system", "light", "dark")
_preference = "system"  # the artist's choice in Settings (preferences.json)


def set_theme_preference(name: str) -> None:
    """system, light or dark (anything else means system); apply_theme() applies it."""
    global _preference
    _preference = name if name in THEMES else "system"


def theme_preference() -> str:
    return _preference


def wants_dark(app: QGuiApplication, scheme: Qt.ColorScheme | None = None) -> bool:
    """The artist's light/dark choice wins; else STUDIO_THEME=dark|light; else the system
    colour scheme."""
    if _preference != "system":
        return _preference == "dark"
    forced = os.environ.get("STUDIO_THEME", "").lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    return (scheme or app.styleHints().colorScheme()) == Qt.ColorScheme.Dark


class StudioStyle(QProxyStyle):
    """Fusion, with check boxes outlined in the text colour on dark palettes (Fusion's own
    outline is too close to a dark base to see an unchecked box), and the looks the
    widgets' roles ask for (roles.py): the app has no style sheet."""

    _CHECKS = (QStyle.PrimitiveElement.PE_IndicatorCheckBox,
               QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck)
    _BARS = (QStyle.PrimitiveElement.PE_PanelToolBar, QStyle.PrimitiveElement.PE_PanelStatusBar)

    def polish(self, target):  # a QWidget, the QApplication or a QPalette
        if isinstance(target, QWidget):
            polish_role(target)
        return super().polish(target)

    def drawControl(self, element, option, painter, widget=None) -> None:
        if element == QStyle.ControlElement.CE_ShapedFrame:
            if draw_role_frame(painter, widget):
                return
        elif element == QStyle.ControlElement.CE_DockWidgetTitle:
            painter.save()
            bold_title(painter, widget)
            super().drawControl(element, option, painter, widget)
            painter.restore()
            return
        super().drawControl(element, option, painter, widget)

    def drawPrimitive(self, element, option, painter, widget=None) -> None:
        if element == QStyle.PrimitiveElement.PE_FrameStatusBarItem:
            return  # the status bar's items have no boxes around them
        if (element == QStyle.PrimitiveElement.PE_FrameTabWidget and widget is not None
                and widget.objectName() == CENTRE_TABS):
            return  # the centre tabs' pages sit flush in the window
        super().drawPrimitive(element, option, painter, widget)
        if element in self._BARS:
            draw_bar_line(painter, widget, option)
        elif element in self._CHECKS and is_dark(option.palette):
            painter.save()
            pen = QColor(option.palette.color(QPalette.ColorRole.Text))
            pen.setAlpha(120)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.drawRoundedRect(QRectF(option.rect).adjusted(0.5, 0.5, -1.5, -1.5), 2, 2)
            painter.restore()


def apply_theme(app: QApplication, dark: bool | None = None) -> None:
    """Fusion with our palette; call again when the system colour scheme changes."""
    if not isinstance(app.style(), StudioStyle) and not app.property("studioStyled"):
        app.setStyle(StudioStyle("Fusion"))
        app.setProperty("studioStyled", True)
    dark = wants_dark(app) if dark is None else dark
    app.setPalette(_palette(dark))
    repolish_roles(app)
    _icon_cache.clear()


def follow_system_scheme(app: QApplication):
    """Re-theme when the system switches light/dark. Returns a function that stops it."""
    hints = app.styleHints()

    def on_change(scheme: Qt.ColorScheme) -> None:
        apply_theme(app, wants_dark(app, scheme))

    hints.colorSchemeChanged.connect(on_change)
    return lambda: hints.colorSchemeChanged.disconnect(on_change)


def repolish(widget) -> None:
    """Re-apply the widget's role (roles.py) after its `role` or `invalid` changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


# ---- fonts ------------------------------------------------------------------------------


def font_warning(app: QApplication) -> str | None:
    """A message when no usable font exists (every label would be empty boxes)."""
    if QFontInfo(app.font()).family():
        return None
    return ("No fonts were found, so text may show as empty boxes. Install a font "
            "package (e.g. fonts-dejavu-core) and restart.")


def register_bundled_fonts(app: QApplication) -> list[str]:
    """When the system has no usable font, register the bundled DejaVu fonts and use
    DejaVu Sans. Returns the families registered (empty when system fonts were fine)."""
    if QFontInfo(app.font()).family():
        return []
    from PySide6.QtGui import QFontDatabase

    families: list[str] = []
    for path in sorted((RESOURCES / "fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            families += QFontDatabase.applicationFontFamilies(font_id)
    if "DejaVu Sans" in families:
        app.setFont(QFont("DejaVu Sans", app.font().pointSize()))
    return families


def mono_font() -> QFont:
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


# ---- badges and icons -------------------------------------------------------------------


def badge_size(fm: QFontMetrics, text: str) -> QSize:
    return QSize(fm.horizontalAdvance(text) + 14, fm.height() + 4)


def paint_badge(painter: QPainter, rect: QRect, text: str, color: QColor,
                backdrop: QColor | None = None) -> int:
    """A rounded pill: tinted fill, coloured border and text. Returns its width.
    `backdrop` is painted under the tint so the pill stays readable on a selection."""
    fm = painter.fontMetrics()
    size = badge_size(fm, text)
    box = QRectF(rect.left() + 0.5, rect.center().y() - size.height() / 2 + 0.5,
                 size.width() - 1, size.height() - 1)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = QColor(color)
    fill.setAlpha(40)
    painter.setPen(color)
    painter.setBrush(fill)
    radius = box.height() / 2
    if backdrop is not None:
        painter.save()
        painter.setBrush(backdrop)
        painter.drawRoundedRect(box, radius, radius)
        painter.restore()
    painter.drawRoundedRect(box, radius, radius)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()
    return size.width()


_icon_cache: dict[str, QIcon] = {}


def status_icon(status: str) -> QIcon:
    """A small filled dot in the status colour, sharp at any scale (cached per theme)."""
    if status not in _icon_cache:
        from studio.ui.widgets.painted_icon import dot_icon

        _icon_cache[status] = dot_icon(status_color(status))
    return _icon_cache[status]


def app_icon() -> QIcon:
    """The application icon, every PNG size (window, taskbar, dialogs)."""
    result = QIcon()
    for size in APP_ICON_SIZES:
        path = RESOURCES / "icons" / f"provider-studio-{size}.png"
        if path.is_file():
            result.addFile(str(path), QSize(size, size))
    return result


def icon(name: str) -> QIcon:
    """A UI icon (resources/icons/ui/NAME.svg) drawn in the palette's text colour, with a
    disabled variant, at the size and pixel ratio it is shown at; cached per theme."""
    key = f"ui:{name}"
    if key not in _icon_cache:
        from studio.ui.widgets.painted_icon import svg_icon

        svg = (RESOURCES / "icons" / "ui" / f"{name}.svg").read_bytes()
        palette = QApplication.palette()
        _icon_cache[key] = svg_icon(svg, {
            QIcon.Mode.Normal: palette.color(QPalette.ColorGroup.Active,
                                             QPalette.ColorRole.WindowText),
            QIcon.Mode.Disabled: palette.color(QPalette.ColorGroup.Disabled,
                                               QPalette.ColorRole.WindowText)})
    return _icon_cache[key]


def format_usd(price: dict | None, *, empty: str = "—") -> str:
    """'$0.025', '≈ $0.03' when approximate, credits when that is all there is."""
    if not price:
        return empty
    usd, credits = price.get("usd"), price.get("credits")
    prefix = "≈ " if price.get("approximate") else ""
    if usd is not None:
        return prefix + money(usd)
    if credits is not None:
        return f"{prefix}{credits:g} credits"
    return "no price"


def money(usd: float) -> str:
    """Three decimals only when the third one matters: $0.025, $0.10, $1.25."""
    if usd >= 1:
        return f"${usd:.2f}"
    text = f"{usd:.3f}"
    return "$" + (text[:-1] if text.endswith("0") else text)


def stars(rating: int | None) -> str:
    n = rating or 0
    return "★" * n + "☆" * (5 - n)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} m {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"
