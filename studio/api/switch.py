"""Keeps one ApiServer in step with `settings.automation_api`: on, off, or moved to a new
port or origin list. The GUI calls `apply` on its qasync loop after every settings save.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from studio.api.auth import ApiToken
from studio.core.config import AutomationApiSettings
from studio.core.service import Studio

if TYPE_CHECKING:  # the server (Starlette, uvicorn) loads when the API is switched on
    from studio.api.server import ApiServer


class ApiSwitch:
    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.token = ApiToken(studio.keys, studio.redactor)
        self.server: ApiServer | None = None
        self.error: str | None = None
        self._lock: asyncio.Lock | None = None

    @property
    def url(self) -> str | None:
        return self.server.url if self.server is not None and self.server.running else None

    async def apply(self, wanted: AutomationApiSettings) -> None:
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            server = self.server
            same = server is not None and server.port == wanted.port and list(
                server.allowed_origins) == wanted.allowed_origins
            if server is not None and (not wanted.enabled or not same):
                self.server = None
                await server.stop()
            self.error = None
            if wanted.enabled and self.server is None:
                from studio.api.server import ApiServer, ApiStartError

                self.server = server = ApiServer(self.studio, self.token, port=wanted.port,
                                                 allowed_origins=wanted.allowed_origins)
                try:
                    await server.start()
                except ApiStartError as exc:
                    self.server = None
                    self.error = str(exc)
                except BaseException:
                    self.server = None
                    raise

    async def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            await server.stop()
