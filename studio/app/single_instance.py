"""One running app per STUDIO_HOME: a second launch brings the first window to the front
and exits 0 before it opens the database.

The first instance holds an OS file lock named after its data directory for as long as
it runs (studio.app.instance_lock: released by the OS if it crashes), so separate homes run
side by side and two launches at the same moment cannot both win.
The holder also listens on a QLocalServer of the same name; a later launch that finds
the lock taken connects there and asks it to come to the front. Listening starts once
the window is filled in (QtNetwork is only imported then, or by a second launch); a
second launch keeps trying to connect meanwhile.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from studio.app.instance_lock import InstanceLock, instance_name

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

REPLY = b"ok\n"
MAX_MESSAGE = 64 * 1024


class InstanceNotResponding(RuntimeError):
    """Another instance holds this home but did not answer in time."""


def server_name(data_dir: str | os.PathLike[str]) -> str:
    """A local-socket name for one user's data directory (same dir, same name)."""
    return instance_name(data_dir)


class SingleInstance(QObject):
    """`acquire()` once at start-up; keep the object alive while the app runs."""

    activated = Signal(list)  # the arguments of a later launch that asked us to show

    def __init__(self, name: str, parent: QObject | None = None, *,
                 timeout_ms: int = 5000, owner: InstanceLock | None = None) -> None:
        """`owner`: the instance lock, when start-up already took it."""
        super().__init__(parent)
        self.name = name
        self.timeout_ms = timeout_ms
        self.server: QLocalServer | None = None
        self._owner: InstanceLock | None = owner if owner is not None and owner.held else None

    def acquire(self, argv: list[str] | None = None, *, listen: bool = True) -> bool:
        """True: we are the only instance (listening now, or after `listen()`). False: a
        running instance was asked to come to the front. Raises InstanceNotResponding if
        it never answered."""
        owner = InstanceLock(self.name)
        if owner.acquire():
            self._owner = owner
            if listen:
                self.listen()
            return True
        self.notify(list(argv or []))
        return False

    def notify(self, argv: list[str]) -> None:
        """Ask the instance holding the lock to come to the front."""
        if not self._notify_running(argv):
            raise InstanceNotResponding(
                "Provider Studio is already running for this data folder but did not "
                "respond; close it (or wait for it) and try again.")

    def release(self) -> None:
        if self.server is not None:
            self.server.close()  # removes the socket file on Unix
            self.server = None
        if self._owner is not None:
            self._owner.release()
            self._owner = None

    # -- the second launch -------------------------------------------------------------

    def _notify_running(self, argv: list[str]) -> bool:
        """Hand our arguments to the running instance; it may still be starting up, so
        keep trying to connect until the timeout."""
        from PySide6.QtNetwork import QLocalSocket

        deadline = time.monotonic() + self.timeout_ms / 1000
        socket = QLocalSocket()
        while True:
            socket.connectToServer(self.name)
            if socket.waitForConnected(200):
                break
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        message = json.dumps({"argv": argv}).encode() + b"\n"
        socket.write(message)
        socket.waitForBytesWritten(self.timeout_ms)
        answer = b""
        while not answer.endswith(b"\n") and socket.waitForReadyRead(self.timeout_ms):
            answer += bytes(socket.readAll().data())
        socket.disconnectFromServer()
        return answer == REPLY

    # -- the first launch --------------------------------------------------------------

    def listen(self) -> None:
        """Start answering later launches (call once the window is up)."""
        from PySide6.QtNetwork import QLocalServer

        if self.server is not None or self._owner is None:
            return
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # Nobody answered on this name, so whatever holds it is a crash's leftover.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                log.warning("single_instance.listen_failed name=%s error=%s",
                            self.name, server.errorString())
                return  # run anyway; only the second-launch hand-off is lost
        server.newConnection.connect(self._on_connection)
        self.server = server

    def _on_connection(self) -> None:
        assert self.server is not None
        while (socket := self.server.nextPendingConnection()) is not None:
            buffer = bytearray()

            def on_ready(socket: QLocalSocket = socket, buffer: bytearray = buffer) -> None:
                buffer += bytes(socket.readAll().data())
                if len(buffer) > MAX_MESSAGE:
                    socket.abort()
                    return
                if not buffer.endswith(b"\n"):
                    return
                try:
                    argv = json.loads(buffer.decode())["argv"]
                except (ValueError, KeyError, TypeError):
                    socket.abort()
                    return
                socket.write(REPLY)
                socket.flush()
                socket.disconnectFromServer()
                log.info("app.activated by a second launch")
                self.activated.emit([str(a) for a in argv])

            socket.readyRead.connect(on_ready)
            socket.disconnected.connect(socket.deleteLater)


def bring_to_front(window: QWidget) -> None:
    """Un-minimise, raise and focus a top-level window."""
    state = window.windowState() & ~Qt.WindowState.WindowMinimized
    window.setWindowState(state | Qt.WindowState.WindowActive)
    window.show()
    window.raise_()
    window.activateWindow()
