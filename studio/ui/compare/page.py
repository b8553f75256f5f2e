"""The Compare tab's page in the main window: the CompareTab inside (the group list, the
grid, QtMultimedia's players, the scoreboard) is built the first time the page is shown
or used, not at start-up (bench/gui_startup: ~0.2 s of CPU before the window is usable).

Everything else reads the page as the tab (ui.lazy_page): its signals are the tab's, and
any attribute the page does not have itself is the tab's (building it then)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from studio.ui.lazy_page import LazyPage

if TYPE_CHECKING:
    from studio.core.compare.groups import CompareGroup
    from studio.ui.compare.view import CompareTab
    from studio.ui.session import Session
    from studio.ui.widgets import ImageLoader


class ComparePage(LazyPage["CompareTab"]):
    openRequested = Signal(object, int)  # CompareTab.openRequested
    fullScreenRequested = Signal(bool)  # CompareTab.fullScreenRequested

    def __init__(self, session: Session, loader: ImageLoader,
                 parent: QWidget | None = None) -> None:
        def build(page: QWidget) -> CompareTab:
            from studio.ui.compare.view import CompareTab

            tab = CompareTab(session, loader, page)
            tab.openRequested.connect(self.openRequested)
            tab.fullScreenRequested.connect(self.fullScreenRequested)
            return tab

        super().__init__(build, parent, name="comparePage")

    @property
    def tab(self) -> CompareTab:
        """The Compare tab, built now if it was not yet."""
        return self.content

    @property
    def group(self) -> CompareGroup | None:
        """The group on show; none before the tab is first built."""
        return self.content.group if self.built else None

    def focus_group(self, group_id: str) -> None:
        self.content.focus_group(group_id)

    def new_from(self, payload: dict) -> None:
        self.content.new_from(payload)

    def set_full_screen(self, on: bool) -> None:
        if on or self.built:  # never built: it is not full screen
            self.content.set_full_screen(on)
