"""Dock sizes that fit the window: defaults as a share of it, docks that grow back to the
size the artist gave them when the window grows again, and View > Reset layout."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow

CENTRE_SHARE = 0.42  # docks never take the centre below this share of the window width


@dataclass(frozen=True)
class DockPlace:
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
        self.preferred: dict[QDockWidget, int] = {}
        self._seen = window.size()
        self._settling = False  # dock resizes now come from the window's own resize
        self._settle = QTimer(self, singleShot=True, interval=0)
        self._settle.timeout.connect(lambda: setattr(self, "_settling", False))
        self._grow = QTimer(self, singleShot=True, interval=0)
        self._grow.timeout.connect(self.grow_back)
        window.installEventFilter(self)
        for place in places:
            place.dock.installEventFilter(self)

    def apply_defaults(self) -> None:
        """Sizes from the window's size now (first start, Reset layout)."""
        if not self.window.isVisible():
            return
        size = self.window.size()
        for horizontal in (True, False):
            places = [p for p in self.places if p.horizontal == horizontal and self._docked(p)]
            if places:
                sizes = [p.default(size) for p in places]
                self.window.resizeDocks([p.dock for p in places], sizes, self._orientation(
                    horizontal))
                self.preferred.update({p.dock: s for p, s in zip(places, sizes, strict=True)})

    def reset(self) -> None:
        """Every dock back in its place, shown and docked, at the default sizes."""
        for place in self.places:
            place.dock.setFloating(False)
            self.window.addDockWidget(place.area, place.dock)
            place.dock.show()
        self.preferred.clear()
        QTimer.singleShot(0, self.apply_defaults)  # once the docks are laid out again

    def grow_back(self) -> None:
        """Docks the window squeezed get their size back, as far as the window allows."""
        if not self.window.isVisible():
            return
        size = self.window.size()
        for horizontal in (True, False):
            places = [p for p in self.places if p.horizontal == horizontal and self._docked(p)]
            want = [max(p.size(), self.preferred.get(p.dock, p.default(size))) for p in places]
            room = (size.width() * (1 - CENTRE_SHARE) if horizontal
                    else size.height() * (1 - CENTRE_SHARE))
            total = sum(want)
            if total > room > 0:
                want = [max(p.low, round(w * room / total)) for p, w in zip(places, want,
                                                                          strict=True)]
            grow = [(p, w) for p, w in zip(places, want, strict=True) if w > p.size() + 2]
            if grow:
                self.window.resizeDocks([p.dock for p, _ in grow], [w for _, w in grow],
                                        self._orientation(horizontal))

    def _docked(self, place: DockPlace) -> bool:
        return place.dock.isVisible() and not place.dock.isFloating()

    @staticmethod
    def _orientation(horizontal: bool) -> Qt.Orientation:
        return Qt.Orientation.Horizontal if horizontal else Qt.Orientation.Vertical

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Resize:
            return False
        size = self.window.size()
        if size != self._seen:
            self._seen, self._settling = size, True
            self._settle.start()
        if obj is self.window:
            old = event.oldSize()  # type: ignore[attr-defined]
            if old.isValid() and (size.width() > old.width() or size.height() > old.height()):
                self._grow.start()
        elif not self._settling:  # the window kept its size: the artist moved a separator
            place = next((p for p in self.places if p.dock is obj), None)
            if place is not None and self._docked(place):
                self.preferred[place.dock] = place.size()
        return False
