"""Pieces every feature shares: the theme (palette, status colours, icons, formats),
badges, toasts, desktop notifications, the zoom view, the params form and the thumbnail
loader.

What other packages may use is exported here and imported on first use (start-up paints
its first frame before the widgets load).
"""

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "BADGES": "badges",
    "BadgeDelegate": "badges",
    "ParamForm": "param_form",
    "SPACING": "theme",
    "app_icon": "theme",
    "apply_theme": "theme",
    "badge_size": "theme",
    "duration": "theme",
    "error_color": "theme",
    "follow_system_scheme": "theme",
    "font_warning": "theme",
    "format_usd": "theme",
    "icon": "theme",
    "money": "theme",
    "mono_font": "theme",
    "paint_badge": "theme",
    "register_bundled_fonts": "theme",
    "repolish": "theme",
    "stars": "theme",
    "status_color": "theme",
    "status_icon": "theme",
    "status_label": "theme",
    "set_theme_preference": "theme",
    "theme_preference": "theme",
    "THEMES": "theme",
    "SpendConfirmDialog": "spend_confirm",
    "SpendGate": "spend_confirm",
    "SpendStatus": "spend_status",
    "ImageLoader": "thumb_loader",
    "THUMB_SIZE": "thumb_loader",
    "ToastArea": "toast",
    "DesktopNotifier": "notifier",
    "FlowLayout": "flow_layout",
    "ZoomView": "zoom_view",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.ui.widgets.badges import BADGES, BadgeDelegate
    from studio.ui.widgets.flow_layout import FlowLayout
    from studio.ui.widgets.notifier import DesktopNotifier
    from studio.ui.widgets.param_form import ParamForm
    from studio.ui.widgets.spend_confirm import SpendConfirmDialog, SpendGate
    from studio.ui.widgets.spend_status import SpendStatus
    from studio.ui.widgets.theme import (
        SPACING,
        THEMES,
        app_icon,
        apply_theme,
        badge_size,
        duration,
        error_color,
        follow_system_scheme,
        font_warning,
        format_usd,
        icon,
        money,
        mono_font,
        paint_badge,
        register_bundled_fonts,
        repolish,
        set_theme_preference,
        stars,
        status_color,
        status_icon,
        status_label,
        theme_preference,
    )
    from studio.ui.widgets.thumb_loader import THUMB_SIZE, ImageLoader
    from studio.ui.widgets.toast import ToastArea
    from studio.ui.widgets.zoom_view import ZoomView
