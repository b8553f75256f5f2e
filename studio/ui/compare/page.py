"""The Compare tab's page in the main window: the CompareTab inside (the group list, the
grid, QtMultimedia's players, the scoreboard) is built the first time the page is shown
or used, not at start-up (bench/gui_startup: ~0.2 s of CPU before the window is usable).

Everything else reads the page as the tab: its signals are the tab's, and any attribute
the page does not have itself is the tab's (building it then)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

if TYPE_CHECKING:
    from studio.core.compare.groups import CompareGroup
    from studio.ui.compare.view import CompareTab
    from studio.ui.session import Session
    from studio.ui.widgets import ImageLoader


class ComparePage(QWidget):
    openRequested = Signal(object, int)  # CompareTab.openRequested
    fullScreenRequested = Signal(bool)  # CompareTab.fullScreenRequested

    def __init__(self, session: Session, loader: ImageLoader,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("comparePage")
        self._session, self._loader = session, loader
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._tab: CompareTab | None = None

    @property
    def built(self) -> bool:
        return self._tab is not None

    @property
    def tab(self) -> CompareTab:
        """The Compare tab, built now if it was not yet."""
        if self._tab is None:
            from studio.ui.compare.view import CompareTab

            tab = CompareTab(self._session, self._loader, self)
            tab.openRequested.connect(self.openRequested)
            tab.fullScreenRequested.connect(self.fullScreenRequested)
            self._layout.addWidget(tab)
            tab.show()  # made in showEvent: after Qt has shown the page's children
            self._tab = tab
        return self._tab

    @property
    def group(self) -> CompareGroup | None:
        """The group on show; none before the tab is first built."""
        return self._tab.group if self._tab is not None else None

    def focus_group(self, group_id: str) -> None:
        self.tab.focus_group(group_id)

    def new_from(self, payload: dict) -> None:
        self.tab.new_from(payload)

    def set_full_screen(self, on: bool) -> None:
        if on or self._tab is not None:  # never built: it is not full screen
            self.tab.set_full_screen(on)

    def showEvent(self, event) -> None:
        self.tab  # noqa: B018 - built on first show
        super().showEvent(event)

    def __getattr__(self, name: str) -> Any:
        # Only for names the page has not got: the tab's methods and widgets.
        if name.startswith("__") or name in ("_tab", "_session", "_loader", "_layout"):
            raise AttributeError(name)
        return getattr(self.tab, name)
