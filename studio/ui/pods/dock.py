"""The Pods dock: a tab behind the Queue whose panel (panel.py: the account, GPU types,
templates, volumes and pods) is built the first time the artist opens or uses it, or at
once for a studio that has run pods. Until then neither the panel nor the pods' code
(core.pods, RunPod's pod client) is loaded: bench/gui_startup."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QWidget

from studio.ui.lazy_page import LazyPage
from studio.ui.session import Session

if TYPE_CHECKING:
    from studio.ui.pods.panel import PodsPanel


class PodsDock(QDockWidget):
    """The dock. Its panel is built the first time it is shown or used (it is a tab behind
    the Queue: bench/gui_startup), or at once for a studio that has run pods, whose cost
    and idle guard need the panel's timer from the start. Any attribute the dock has not
    got itself is the panel's."""

    costChanged = Signal()  # the running pods or their cost changed (status bar)
    refreshed = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Pods", parent)
        self.setObjectName("podsDock")
        self._session = session
        self.page: LazyPage[PodsPanel] = LazyPage(self._build_panel, self, name="podsPage",
                                                  build_on_show=False)
        self.setWidget(self.page)
        self.visibilityChanged.connect(self._visibility_changed)  # its tab selected
        if session.studio.pods_in_use():
            self.page.content  # noqa: B018 - pods left running by an earlier run: read them

    def _build_panel(self, page: QWidget) -> PodsPanel:
        from studio.ui.pods.panel import PodsPanel

        panel = PodsPanel(self._session, page)
        panel.costChanged.connect(self.costChanged)
        panel.refreshed.connect(self.refreshed)
        return panel

    def _visibility_changed(self, visible: bool) -> None:
        # restoreState says every dock is shown, the tabs behind too (Qt keeps those
        # "visible", moved out of sight), so look once the layout settles: only the tab
        # in front has a visible region.
        if visible and not self.page.built:
            QTimer.singleShot(0, self._build_if_shown)

    def _build_if_shown(self) -> None:
        if self.isVisible() and not self.visibleRegion().isEmpty() and not self.page.built:
            self.page.content  # noqa: B018 - built when the artist opens it

    @property
    def panel(self) -> PodsPanel:
        """The panel, built now if it was not yet."""
        return self.page.content

    def stop_timers(self) -> None:
        if self.page.built:
            self.page.content.stop_timers()

    def __getattr__(self, name: str) -> Any:
        # Only for names the dock has not got: the panel's methods and widgets.
        if name.startswith("__") or name in ("page", "_session"):
            raise AttributeError(name)
        return getattr(self.page.content, name)
