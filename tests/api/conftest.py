"""API fixtures: a Studio on a temp home served on a free loopback port inside the test's
event loop, an authorised httpx client, and a raw asyncio server that receives webhooks."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest
from PIL import Image

from studio.api.auth import ApiToken
from studio.api.server import ApiServer
from studio.core.config import set_value
from studio.core.service import Studio

FLUX = {"provider": "fal", "model": "fal-ai/flux/schnell", "prompt": "a red fox in snow",
        "seed": 11, "parameters": {"image_size": "square", "output_format": "png"}}


@dataclass
class Api:
    studio: Studio
    server: ApiServer
    client: httpx.AsyncClient
    token: str

    @property
    def url(self) -> str:
        return self.server.url


@asynccontextmanager
async def serve(studio: Studio, **options) -> AsyncIterator[Api]:
    token = ApiToken(studio.keys, studio.redactor)
    server = ApiServer(studio, token, port=0, **options)
    await server.start()
    client = httpx.AsyncClient(base_url=server.url, trust_env=False, timeout=10,
                               headers={"Authorization": f"Bearer {token.value}"})
    try:
        yield Api(studio, server, client, token.value)
    finally:
        await client.aclose()
        await server.stop()


def enable_live(studio: Studio, *, image: bool = True, video: bool = False) -> None:
    s = set_value(studio.settings, "features.enable_public_image_providers", str(image).lower())
    s = set_value(s, "features.enable_public_video_providers", str(video).lower())
    studio.update_settings(s)


@pytest.fixture
async def api(home, memory_keyring) -> AsyncIterator[Api]:
    """Dry-run studio (no keys, flags off)."""
    studio = Studio(home, env={})
    try:
        async with serve(studio) as a:
            yield a
    finally:
        await studio.aclose()


@pytest.fixture
async def live_api(home, memory_keyring, sandbox) -> AsyncIterator[Api]:
    """A studio talking to the sandbox with the image flag on: jobs run live."""
    studio = Studio(home, env={}, sandbox_url=sandbox.url)
    enable_live(studio)
    try:
        async with serve(studio) as a:
            yield a
    finally:
        await studio.aclose()


def png_data_uri(color=(200, 40, 40), size=(64, 48), fmt="PNG") -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    media = {"PNG": "image/png", "JPEG": "image/jpeg"}[fmt]
    return f"data:{media};base64,{base64.b64encode(buf.getvalue()).decode()}"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """A bare HTTP/1.1 server on 127.0.0.1 that answers with `statuses` in turn (then 200)."""

    statuses: list[int] = field(default_factory=list)
    extra_headers: dict[int, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    url: str = ""
    _server: asyncio.Server | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> WebhookReceiver:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, path, _ = head[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip()
                   for k, v in (line.split(":", 1) for line in head[1:] if ":" in line)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.received.append(Received(method, path, headers, body))
        status = self.statuses.pop(0) if self.statuses else 200
        extra = self.extra_headers.get(status, "")
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n"
                     f"{extra}\r\n".encode())
        await writer.drain()
        writer.close()
        self._arrived.set()

    async def wait(self, count: int = 1, timeout: float = 10.0) -> list[Received]:
        async def enough() -> None:
            while len(self.received) < count:
                self._arrived.clear()
                await self._arrived.wait()
        await asyncio.wait_for(enough(), timeout)
        return self.received

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    r = await WebhookReceiver().start()
    try:
        yield r
    finally:
        await r.close()
