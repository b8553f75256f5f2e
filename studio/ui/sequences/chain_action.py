"""The "Make a chain from this…" entry of the Gallery's and Viewer's context menus. The
dialog (and the chain modules behind it) load when it is first chosen, not at start-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from studio.ui.session import Session


def chain_action(session: Session, widget: QWidget, ids: Callable[[], list[str]]) -> QAction:
    """The context-menu entry for a view's selected outputs."""
    action = QAction("Make a chain from this…", widget)
    action.setObjectName("sequencesMakeChain")

    def open_dialog() -> None:
        from studio.ui.sequences.chain_dialog import open_chain_dialog

        open_chain_dialog(session, widget, ids())

    action.triggered.connect(lambda _=False: open_dialog())
    return action
