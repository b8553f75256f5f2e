"""The Dashboard (Spend & speed) in the window and on its own, per day and per week."""

from __future__ import annotations

from studio.ui.screenshots.camera import Camera, settle


async def shoot_dashboard(window, camera: Camera) -> None:
    page = window.dashboard
    window.tabs.setCurrentWidget(page)
    tab = page.tab
    tab.refresh()
    await settle(0.6)
    camera.grab(window, "main_window_dashboard")
    camera.grab(tab, "dashboard")
    tab.grouping.setCurrentIndex(1)
    tab.scroll_area.verticalScrollBar().setValue(tab.scroll_area.verticalScrollBar().maximum())
    await settle(0.4)
    camera.grab(tab, "dashboard_week_scrolled")
    tab.grouping.setCurrentIndex(0)
    tab.scroll_area.verticalScrollBar().setValue(0)
    window.tabs.setCurrentWidget(window.compose)
