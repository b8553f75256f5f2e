"""Desktop notifications: a system tray message when the desktop has a tray (created the
first time one is needed, never at start-up), else the taskbar entry asks for attention."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from studio.ui.widgets.theme import app_icon

SHOW_MS = 8000


class DesktopNotifier(QObject):
    notified = Signal(str, str, bool)  # title, text, shown in the tray

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.tray: QSystemTrayIcon | None = None

    def notify(self, title: str, text: str) -> bool:
        """True when a tray message was shown; the taskbar entry is flagged either way."""
        QApplication.alert(self.window)
        shown = QSystemTrayIcon.isSystemTrayAvailable()
        if shown:
            if self.tray is None:
                self.tray = QSystemTrayIcon(app_icon(), self)
                self.tray.setToolTip("Provider Studio")
                self.tray.messageClicked.connect(self._bring_back)
            self.tray.show()
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information,
                                  SHOW_MS)
        self.notified.emit(title, text, shown)
        return shown

    def _bring_back(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
