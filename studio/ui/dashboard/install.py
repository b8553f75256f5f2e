"""Put the Dashboard in a main window: a tab built the first time it is shown (QtCharts
loads then, not at start-up), and View > Dashboard (Ctrl+Shift+D)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QTabWidget, QVBoxLayout, QWidget

from studio.ui.session import Session

SHORTCUT = "Ctrl+Shift+D"


class DashboardPage(QWidget):
    """The tab's page; the charts inside are made on first show."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardPage")
        self.session = session
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._tab: QWidget | None = None

    @property
    def tab(self):  # -> DashboardTab, built now if it was not yet
        if self._tab is None:
            from studio.ui.dashboard.tab import DashboardTab

            self._tab = DashboardTab(self.session, self)
            self._layout.addWidget(self._tab)
        return self._tab

    def showEvent(self, event) -> None:
        self.tab  # noqa: B018 - built on first show
        super().showEvent(event)


def install(window: QMainWindow, tabs: QTabWidget, session: Session) -> DashboardPage:
    page = DashboardPage(session, tabs)
    tabs.addTab(page, "Dashboard")
    show = QAction("Dashboard", window)
    show.setObjectName("showDashboard")
    show.setShortcut(QKeySequence(SHORTCUT))
    show.setStatusTip("Spend & speed: spend per day, latency, success rates, scoreboard")
    show.triggered.connect(lambda: tabs.setCurrentWidget(page))
    window.addAction(show)
    view = next((m for a in window.menuBar().actions() if isinstance(m := a.menu(), QMenu)
                 and a.text().replace("&", "") == "View"), None)
    if view is not None:
        first = next((a for a in view.actions() if a.isSeparator()), None)
        if first is None:
            view.addAction(show)
        else:
            view.insertAction(first, show)  # after Compose, Gallery, Compare
    return page
