"""Run the sandbox: in a background thread (SandboxServer) or a child process."""

from __future__ import annotations

import ipaddress
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn

from .app import create_app
from .config import SandboxConfig

URL_PREFIX = "SANDBOX_URL="


class SandboxStartError(RuntimeError):
    """The sandbox did not come up; the message says why."""


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


def spawn_sandbox_process(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    queue_seconds: float | None = None,
    run_seconds: float | None = None,
    run_jitter: float | None = None,
    jitter_seed: int | None = None,
    timeout: float = 20.0,
    python: str = sys.executable,
) -> tuple[subprocess.Popen[str], str]:
    """Start `python -m studio.sandbox` and return (process, url) once it prints its URL."""
    command = [python, "-m", "studio.sandbox", "--host", host, "--port", str(port)]
    popen_flags = 0
    if getattr(sys, "frozen", False):
        # A bundled app has no `python -m`: its studio-cli runs the sandbox (packaging/).
        cli = Path(sys.executable).with_name("studio-cli.exe" if os.name == "nt" else "studio-cli")
        command[:3] = [str(cli), "--run-sandbox"]
        popen_flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console on Windows
    if queue_seconds is not None:
        command += ["--queue-seconds", str(queue_seconds)]
    if run_seconds is not None:
        command += ["--run-seconds", str(run_seconds)]
    if run_jitter is not None:
        command += ["--run-jitter", str(run_jitter)]
    if jitter_seed is not None:
        command += ["--jitter-seed", str(jitter_seed)]
    env = dict(os.environ)
    # The child must import this same checkout even when it is not installed.
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    # The child keeps its own handle on this (unlinked) file after we close ours.
    with tempfile.TemporaryFile(mode="w+") as stderr:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
            creationflags=popen_flags,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pump_lines, args=(process, lines), daemon=True).start()
        url = _wait_for_url(lines, timeout)
        if url is not None:
            return process, url
        try:
            # Its stdout may close a moment before the process is reaped.
            exit_code: int | None = process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            exit_code = None
            process.kill()
            process.wait(timeout=5)
        stderr.seek(0)
        tail = stderr.read()[-2000:].strip()
    why = (
        f"exited with code {exit_code}"
        if exit_code is not None
        else f"printed no {URL_PREFIX} line within {timeout:g} s and was killed"
    )
    raise SandboxStartError(f"sandbox process {why}; stderr:\n{tail or '(empty)'}")


def _wait_for_url(lines: queue.Queue[str | None], timeout: float) -> str | None:
    """The URL from the first SANDBOX_URL= line, or None on exit or timeout."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            return None
        if line is None:
            return None
        if line.startswith(URL_PREFIX):
            return line[len(URL_PREFIX) :].strip()
    return None


def _pump_lines(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    """Read the child's stdout so the pipe never fills; None marks the end."""
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line)
    lines.put(None)
