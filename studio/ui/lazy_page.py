"""A tab page whose content is built the first time it is shown or used, not at start-up.

The main window has tabs and docks an artist may not open in a session (Sequences, the
Pods dock behind the Queue); building them up front cost start-up time before the window
was usable (bench/gui_startup). The page stands in for its content: any attribute the
page has not got itself is the content's, built then, so callers use the page as if it
were the widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

W = TypeVar("W", bound=QWidget)

_OWN = frozenset({"_content", "_build", "_layout", "_build_on_show"})


class LazyPage(QWidget, Generic[W]):
    def __init__(self, build: Callable[[QWidget], W], parent: QWidget | None = None, *,
                 name: str = "", build_on_show: bool = True) -> None:
        """`build_on_show=False`: only when used (`content`, or a name the page has not
        got). A dock tabbed behind another is shown with the window although its tab is not
        selected: such a dock builds its page on `visibilityChanged(True)` instead."""
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self._build = build
        self._build_on_show = build_on_show
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._content: W | None = None

    @property
    def built(self) -> bool:
        return self._content is not None

    @property
    def content(self) -> W:
        """The page's widget, built now if it was not yet."""
        if self._content is None:
            content = self._build(self)
            self._layout.addWidget(content)
            self._content = content
            if self.isVisible():  # built from showEvent: Qt has shown the page already
                content.show()
        return self._content

    def showEvent(self, event: QShowEvent) -> None:
        if self._build_on_show:
            self.content  # noqa: B018 - built on first show
        super().showEvent(event)

    def __getattr__(self, name: str) -> Any:
        # Only for names the page has not got: the content's methods and widgets.
        if name.startswith("__") or name in _OWN:
            raise AttributeError(name)
        return getattr(self.content, name)
