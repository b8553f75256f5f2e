"""Run the sandbox: in a background thread (SandboxServer) or a child process."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from types import TracebackType
from typing import Any

import httpx
import uvicorn

from .app import create_app
from .config import SandboxConfig
from .process import URL_PREFIX, SandboxStartError, spawn_sandbox_process

__all__ = ["URL_PREFIX", "SandboxServer", "SandboxStartError", "bind_socket", "is_loopback",
           "socket_url", "spawn_sandbox_process", "uvicorn_server"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on a loopback address (port 0 picks a free port)."""
    if not is_loopback(host):
        raise ValueError(f"the sandbox only binds to loopback addresses, not {host!r}")
    address = "127.0.0.1" if host == "localhost" else host
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    # An explicit IPPROTO_TCP lets asyncio set TCP_NODELAY on accepted connections;
    # with proto 0 every small response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    # Listening now means clients that read the printed URL early wait instead of failing.
    sock.listen(128)
    return sock


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def uvicorn_server(config: SandboxConfig, log_level: str = "warning") -> uvicorn.Server:
    app = create_app(config)
    return uvicorn.Server(
        uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off")
    )


class SandboxServer:
    """`with SandboxServer() as sandbox: httpx.get(sandbox.url + "/health")`."""

    def __init__(self, config: SandboxConfig | None = None, *, start_timeout: float = 10.0) -> None:
        self.config = config or SandboxConfig()
        self._start_timeout = start_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    @property
    def app(self) -> Any:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return self._server.config.app

    def start(self) -> SandboxServer:
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        sock = bind_socket()
        self.url = socket_url(sock)
        self._server = uvicorn_server(self.config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="sandbox", daemon=True
        )
        self._thread.start()
        try:
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self._start_timeout
        while time.monotonic() < deadline:
            if self._thread is not None and not self._thread.is_alive():
                raise SandboxStartError("the sandbox server thread exited during start-up")
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        raise SandboxStartError(f"the sandbox did not answer {self.url}/health in time")

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self._server = None
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
