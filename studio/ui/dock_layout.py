"""Dock sizes that fit the window: defaults as a share of it (on a narrow window the
Providers and Inspector share one side as tabs), docks that grow back when the window
grows (to the size the artist dragged them to, else their share), and Reset layout."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow

CENTRE_SHARE = 0.42  # docks never take the centre below this share of the window
NARROW = 1280  # below this width the two side docks share one side, as tabs


@dataclass(frozen=True)
class DockPlace:
    """A dock's area and share of the window, within its bounds."""
    dock: QDockWidget
    area: Qt.DockWidgetArea
    share: float  # of the window's width (left/right) or height (bottom)
    low: int
    high: int

    @property
    def horizontal(self) -> bool:
        return self.area != Qt.DockWidgetArea.BottomDockWidgetArea

    def size(self) -> int:
        return self.dock.width() if self.horizontal else self.dock.height()

    def default(self, window: QSize) -> int:
        dim = window.width() if self.horizontal else window.height()
        return max(self.low, min(self.high, round(dim * self.share)))


class DockLayout(QObject):
    def __init__(self, window: QMainWindow, places: list[DockPlace]) -> None:
        super().__init__(window)
        self.window = window
        self.places = places
        self.user: dict[QDockWidget, int] = {}  # sizes the artist dragged docks to
        # Docks kept as a tab behind a placed one: (the placed dock, the tabbed dock).
        self.tabbed: list[tuple[QDockWidget, QDockWidget]] = []
        self._grow = QTimer(self, singleShot=True, interval=0)
        self._grow.timeout.connect(self.grow_back)
        window.installEventFilter(self)

    def apply_defaults(self) -> None:
        """Places and sizes from the window's size now (first start, Reset layout)."""
        if not self.window.isVisible():
            return
        side = [p for p in self.places if p.horizontal]
        size = self.window.size()
        shared = self.window.width() < NARROW and len(side) == 2 and all(
            map(self._docked, side))
        if shared:
            self.window.tabifyDockWidget(side[1].dock, side[0].dock)
            side[0].dock.raise_()
        # One side holding two docks as tabs gets a little more than either alone.
        self._resize(self._targets(lambda p: round(p.default(size) * (1.2 if shared and
                                                                      p.horizontal else 1))))

    def reset(self) -> None:
        """Every dock back in its place, shown and docked, at the default sizes."""
        for place in self.places:
            place.dock.setFloating(False)
            self.window.addDockWidget(place.area, place.dock)
            place.dock.show()
        for host, guest in self.tabbed:
            guest.setFloating(False)
            self.window.tabifyDockWidget(host, guest)
            host.raise_()
        self.user.clear()
        QTimer.singleShot(0, self.apply_defaults)  # once the docks are laid out again

    def grow_back(self) -> None:
        """Docks the window squeezed grow again: to the artist's size, else their share,
        as far as the window allows; never smaller than they are."""
        if not self.window.isVisible():
            return
        size = self.window.size()
        wanted = self._targets(lambda p: self.user.get(p.dock, p.default(size)))
        self._resize({p: w for p, w in wanted.items() if w > p.size() + 2})

    def _targets(self, want) -> dict[DockPlace, int]:
        size = self.window.size()
        out: dict[DockPlace, int] = {}
        for horizontal in (True, False):
            places = self._visible_places(horizontal)
            sizes = [want(p) for p in places]
            room = (size.width() if horizontal else size.height()) * (1 - CENTRE_SHARE)
            total = sum(sizes)
            if total > room > 0:
                sizes = [max(p.low, round(s * room / total)) for p, s in zip(places, sizes,
                                                                          strict=True)]
            out.update(zip(places, sizes, strict=True))
        return out

    def _visible_places(self, horizontal: bool) -> list[DockPlace]:
        """Docked and showing; of docks sharing a side as tabs, only the one in front."""
        places = [p for p in self.places if p.horizontal == horizontal and self._docked(p)]
        return [p for p in places if not any(
            q is not p and q.dock in self.window.tabifiedDockWidgets(p.dock)
            and self.places.index(q) < self.places.index(p) for q in places)]

    def _resize(self, sizes: dict[DockPlace, int]) -> None:
        for horizontal in (True, False):
            chosen = [(p, s) for p, s in sizes.items() if p.horizontal == horizontal]
            if chosen:
                self.window.resizeDocks([p.dock for p, _ in chosen], [s for _, s in chosen],
                                        Qt.Orientation.Horizontal if horizontal
                                        else Qt.Orientation.Vertical)

    def _docked(self, place: DockPlace) -> bool:
        return place.dock.isVisible() and not place.dock.isFloating()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if obj is self.window and kind == QEvent.Type.Resize:
            old, new = event.oldSize(), event.size()  # type: ignore[attr-defined]
            if old.isValid() and (new.width() > old.width() or new.height() > old.height()):
                self._grow.start()
        elif obj is self.window and kind == QEvent.Type.MouseButtonRelease:
            # A press on the window itself (not a child) is on a dock separator: the
            # artist sized the docks; remember what they chose.
            self.user.update({p.dock: p.size() for p in self.places if self._docked(p)})
        return False
