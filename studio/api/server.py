"""The automation API server: Starlette routes behind the Guard, served by uvicorn as a
task on the current asyncio loop (the GUI's qasync loop, or the CLI's own), bound to
127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Iterable, Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from studio.api.auth import ApiToken
from studio.api.batch_routes import BATCH_OPERATIONS
from studio.api.chains import CHAIN_OPERATIONS
from studio.api.guard import MAX_BODY_BYTES, Guard
from studio.api.openapi import build_openapi
from studio.api.pod_routes import POD_OPERATIONS
from studio.api.routes import OPERATIONS, ApiContext, ApiError, api_error
from studio.api.storyboard_routes import STORYBOARD_OPERATIONS
from studio.api.webhooks import WebhookDispatcher
from studio.core.service import Studio

log = logging.getLogger(__name__)

HOST = "127.0.0.1"


class ApiStartError(RuntimeError):
    """The server could not start (port taken, ...); the message says why."""


def build_app(studio: Studio, token: ApiToken, webhooks: WebhookDispatcher, *, port: int,
              allowed_origins: Iterable[str] = (), max_body_bytes: int = MAX_BODY_BYTES
              ) -> Guard:
    operations = [*OPERATIONS, *CHAIN_OPERATIONS, *STORYBOARD_OPERATIONS, *BATCH_OPERATIONS,
                  *POD_OPERATIONS]
    ctx = ApiContext(studio, webhooks, max_body_bytes, studio.paths.data_dir / "api_inputs",
                     openapi=build_openapi(operations))
    app = Starlette(
        routes=[Route(op.path, op.endpoint, methods=[op.method]) for op in operations],
        exception_handlers={ApiError: api_error, HTTPException: _http_error,
                            Exception: _crash})
    app.state.ctx = ctx
    return Guard(app, token=token, port=port, allowed_origins=allowed_origins,
                 max_body_bytes=max_body_bytes)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail, "fields": []}, exc.status_code,
                        headers=exc.headers)


async def _crash(request: Request, exc: Exception) -> Response:
    log.error("api.crash path=%s", request.url.path, exc_info=exc)
    return JSONResponse({"error": "internal error; see the studio log", "fields": []}, 500)


def bind_loopback(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 (port 0 picks a free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if os.name != "nt":  # on Windows SO_REUSEADDR would let another process share it
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ApiStartError(f"cannot listen on {HOST}:{port} ({exc.strerror or exc}); is "
                            "another studio serving there? Choose another port.") from None
    return sock


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: the app or the CLI decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ApiServer:
    def __init__(
        self,
        studio: Studio,
        token: ApiToken,
        *,
        port: int = 8765,
        allowed_origins: Iterable[str] = (),
        max_body_bytes: int = MAX_BODY_BYTES,
        webhook_options: dict[str, Any] | None = None,
    ) -> None:
        self.studio = studio
        self.token = token
        self.port = port
        self.allowed_origins = tuple(allowed_origins)
        self.max_body_bytes = max_body_bytes
        self._webhook_options = webhook_options or {}
        self.webhooks: WebhookDispatcher | None = None
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return (self._server is not None and self._server.started
                and self._task is not None and not self._task.done())

    async def start(self, timeout: float = 10.0) -> str:
        if self._server is not None:
            raise ApiStartError("the server is already running")
        _ = self.token.value  # load (or make) it now, not inside the first request
        sock = bind_loopback(self.port)
        self.port = sock.getsockname()[1]
        self.webhooks = WebhookDispatcher(self.studio, lambda: self.token.value,
                                          **self._webhook_options)
        app = build_app(self.studio, self.token, self.webhooks, port=self.port,
                        allowed_origins=self.allowed_origins,
                        max_body_bytes=self.max_body_bytes)
        config = uvicorn.Config(app, host=HOST, port=self.port, lifespan="off",
                                log_config=None, log_level="warning", access_log=False,
                                server_header=False, proxy_headers=False, ws="none",
                                timeout_graceful_shutdown=3)
        self._server = server = _EmbeddedServer(config)
        self._task = asyncio.ensure_future(self._serve(server, sock))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while not server.started:
                if self._task.done() or loop.time() > deadline:
                    raise ApiStartError(f"the API server did not start on {self.url}")
                await asyncio.sleep(0.01)
        except BaseException:  # including cancellation: never leave a half-started server
            await self.stop()
            raise
        self.webhooks.start()
        log.info("api.start url=%s", self.url)
        return self.url

    async def _serve(self, server: _EmbeddedServer, sock: socket.socket) -> None:
        try:
            await server.serve(sockets=[sock])
        except SystemExit:  # uvicorn exits the process on some start-up errors
            log.error("api.serve_exited url=%s", self.url)
        finally:
            sock.close()

    async def stop(self) -> None:
        server, task = self._server, self._task
        self._server = self._task = None
        if server is not None and task is not None:
            server.should_exit = True
            try:
                await asyncio.wait_for(asyncio.shield(task), 5)
            except TimeoutError:
                server.force_exit = True
                await asyncio.wait({task}, timeout=2)
        if self.webhooks is not None:
            await self.webhooks.aclose()
            self.webhooks = None
        log.info("api.stop")

    async def serve_forever(self, stop: asyncio.Event) -> None:
        """Start, run until `stop` is set, then shut down (the CLI)."""
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
