"""The main window's hook for the Sequences tab: the page (its widgets, QtMultimedia's
player among them, are built when the tab is first shown or used: bench/gui_startup) and
View > Sequences (Ctrl+4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QTabWidget, QWidget

from studio.ui.lazy_page import LazyPage

if TYPE_CHECKING:
    from studio.ui.sequences.tab import SequencesTab
    from studio.ui.session import Session
    from studio.ui.widgets import ImageLoader


def install(window: QMainWindow, tabs: QTabWidget, session: Session,
            loader: ImageLoader) -> LazyPage[SequencesTab]:
    """Add the tab and its menu entry; the tab's content is built on first use."""
    compare = getattr(window, "compare", None)

    def build(page: QWidget) -> SequencesTab:
        from studio.ui.sequences.tab import SequencesTab

        made = SequencesTab(session, loader, page)
        if compare is not None:  # an audition opens in the Compare tab

            def show_group(group_id: str) -> None:
                compare.focus_group(group_id)
                tabs.setCurrentWidget(compare)
            made.compareRequested.connect(show_group)
        return made

    page: LazyPage[SequencesTab] = LazyPage(build, window, name="sequencesPage")
    tabs.addTab(page, "Sequences")
    show = QAction("Sequences", window)
    show.setObjectName("showSequences")
    show.setShortcut(QKeySequence("Ctrl+4"))
    show.setStatusTip("Storyboards: scenes made keyframe -> clip, approved, stitched")
    show.triggered.connect(lambda: tabs.setCurrentWidget(page))
    window.addAction(show)
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu_action.text().replace("&", "") == "View" and isinstance(menu, QMenu):
            after_compare = menu.actions()[3:4]  # Compose, Gallery, Compare, then this
            if after_compare:
                menu.insertAction(after_compare[0], show)
            else:
                menu.addAction(show)
    return page
