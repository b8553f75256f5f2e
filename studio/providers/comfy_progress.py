"""ComfyUI's /ws websocket as a progress source for the submit/poll contract.

One socket per (event loop, server), opened before a prompt is posted and reopened lazily
by poll() after a cooldown. It records what the server says about each prompt id;
poll() reads that instead of asking over HTTP and falls back to /history while the
socket is down. A socket with nothing left to watch closes itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from studio.providers.http import json_object

log = logging.getLogger(__name__)

OPEN_TIMEOUT = 5.0
CONNECT_WAIT = 1.0  # how long submit() waits for the socket before posting anyway
IDLE_SECONDS = 3.0  # close this long after the last watched prompt finished
ABANDON_SECONDS = 60.0  # close when nobody asked for this long
RECONNECT_SECONDS = 3.0  # first cooldown after a drop; doubles per failure, up to a minute
MAX_FRAME = 32 * 1024 * 1024  # preview images arrive as binary frames
MAX_PROMPTS = 500


@dataclass
class PromptProgress:
    """A ComfyUI prompt's progress as its websocket reports it."""
    phase: str = "queued"  # queued, running, finished
    value: int | None = None
    maximum: int | None = None
    node: str | None = None
    failure: dict[str, Any] | None = None


@dataclass
class ProgressSocket:
    """One websocket to a ComfyUI server and the prompts it follows."""
    url: str
    headers: dict[str, str]
    loop: asyncio.AbstractEventLoop
    prompts: dict[str, PromptProgress] = field(default_factory=dict)
    watched: set[str] = field(default_factory=set)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False
    ok: bool = False  # the handshake succeeded at some point
    closed_at: float = 0.0
    counted: bool = False  # its closing was counted towards the reconnect cooldown
    last_used: float = field(default_factory=time.monotonic)
    task: asyncio.Task[None] | None = None

    @property
    def alive(self) -> bool:
        return self.ok and not self.closed

    def start(self) -> None:
        self.task = self.loop.create_task(self._run(), name="comfyui-progress")

    def _idle(self) -> bool:
        quiet = time.monotonic() - self.last_used
        return (not self.watched and quiet > IDLE_SECONDS) or quiet > ABANDON_SECONDS

    async def _run(self) -> None:
        # websockets loads with the first socket, not with the catalog (bench/gui_startup).
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        try:
            async with connect(self.url, additional_headers=self.headers,
                               open_timeout=OPEN_TIMEOUT, max_size=MAX_FRAME) as ws:
                self.ok = True
                self.connected.set()
                while not self._idle():
                    try:
                        message = await asyncio.wait_for(ws.recv(), timeout=0.5)
                    except TimeoutError:
                        continue
                    if isinstance(message, str):
                        self.handle(message)
        except (OSError, TimeoutError, WebSocketException) as exc:
            log.info("comfyui.ws_closed url=%s reason=%s", self.url.split("?")[0],
                     type(exc).__name__)
        finally:
            self.closed = True
            self.closed_at = time.monotonic()
            self.connected.set()

    def handle(self, text: str) -> None:
        try:
            message = json.loads(text)
        except json.JSONDecodeError:
            return
        data = json_object(message.get("data") if isinstance(message, dict) else None)
        prompt_id = data.get("prompt_id")
        if not isinstance(prompt_id, str):
            return
        state = self.prompts.get(prompt_id)
        if state is None:
            state = self.prompts[prompt_id] = PromptProgress()
            self._trim()
        kind = message.get("type")
        if state.phase == "finished":
            return
        if kind in ("execution_start", "execution_cached"):
            state.phase = "running"
        elif kind == "executing":
            if data.get("node") is None:
                state.phase = "finished"
            else:
                state.phase, state.node = "running", str(data["node"])
                state.value = state.maximum = None
        elif kind == "progress":
            state.phase, state.node = "running", str(data.get("node"))
            value, maximum = data.get("value"), data.get("max")
            if isinstance(value, int) and isinstance(maximum, int) and maximum > 0:
                state.value, state.maximum = value, maximum
        elif kind == "execution_success":
            state.phase = "finished"
        elif kind in ("execution_error", "execution_interrupted"):
            state.phase, state.failure = "finished", {"type": kind, **data}

    def _trim(self) -> None:
        while len(self.prompts) > MAX_PROMPTS:
            oldest = next((p for p in self.prompts if p not in self.watched), None)
            if oldest is None:
                return
            del self.prompts[oldest]


def websocket_url(base_url: str, client_id: str) -> str:
    scheme, rest = base_url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws?clientId={client_id}"


class ProgressSockets:
    """The sockets of one provider instance, keyed by event loop and server URL."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        self._sockets: dict[tuple[int, str], ProgressSocket] = {}
        self._failures: dict[tuple[int, str], int] = {}

    def _key(self, base_url: str) -> tuple[int, str]:
        return id(asyncio.get_running_loop()), base_url

    def current(self, base_url: str) -> ProgressSocket | None:
        socket = self._sockets.get(self._key(base_url))
        if socket is None or socket.loop is not asyncio.get_running_loop():
            return None
        return socket

    def _open(self, base_url: str, headers: dict[str, str]) -> ProgressSocket:
        loop = asyncio.get_running_loop()
        # Forget sockets of event loops that are gone (tests run one loop each).
        for key, old in list(self._sockets.items()):
            if old.loop.is_closed():
                del self._sockets[key]
        previous = self.current(base_url)
        socket = ProgressSocket(websocket_url(base_url, self.client_id), headers, loop)
        if previous is not None:
            socket.watched = set(previous.watched)
        socket.start()
        self._sockets[self._key(base_url)] = socket
        return socket

    async def close(self) -> None:
        """Stop the listeners of the running event loop (the studio is shutting down)."""
        loop = asyncio.get_running_loop()
        tasks = []
        for key, socket in list(self._sockets.items()):
            if socket.loop is loop:
                del self._sockets[key]
                if socket.task is not None and not socket.task.done():
                    socket.task.cancel()
                    tasks.append(socket.task)
        if tasks:
            await asyncio.wait(tasks)

    def _note(self, base_url: str, socket: ProgressSocket) -> None:
        if socket.counted:
            return
        socket.counted = True
        key = self._key(base_url)
        self._failures[key] = 0 if socket.ok else self._failures.get(key, 0) + 1

    async def connect(self, base_url: str, headers: dict[str, str]) -> ProgressSocket:
        """The open socket for this server, opening one and waiting briefly if needed."""
        socket = self.current(base_url)
        if socket is None or socket.closed:
            socket = self._open(base_url, headers)
        socket.last_used = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(socket.connected.wait(), CONNECT_WAIT)
        if socket.closed:
            self._note(base_url, socket)
        return socket

    def ensure(self, base_url: str, headers: dict[str, str],
               prompt_id: str) -> ProgressSocket | None:
        """The socket to read progress from, reopened after a cooldown; never waits."""
        socket = self.current(base_url)
        if socket is not None and socket.closed:
            self._note(base_url, socket)
            failures = max(1, self._failures.get(self._key(base_url), 1))
            cooldown = min(60.0, RECONNECT_SECONDS * 2 ** (failures - 1))
            if time.monotonic() - socket.closed_at >= cooldown:
                socket = self._open(base_url, headers)
        elif socket is None:
            socket = self._open(base_url, headers)
        socket.watched.add(prompt_id)
        socket.last_used = time.monotonic()
        return socket

    def watch(self, base_url: str, prompt_id: str) -> None:
        socket = self.current(base_url)
        if socket is not None:
            socket.watched.add(prompt_id)
            socket.last_used = time.monotonic()

    def forget(self, base_url: str, prompt_id: str) -> None:
        socket = self.current(base_url)
        if socket is not None:
            socket.watched.discard(prompt_id)
