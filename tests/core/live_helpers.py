"""Helpers for live jobs against the sandbox: a studio with the flags on, waits, counts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx

from studio.core.config import set_value
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from tests.conftest import sandbox_requests

FLUX = dict(provider="fal", model="fal-ai/flux/schnell", prompt="a red fox in snow", seed=11,
            params={"image_size": "square", "output_format": "png"})


def flux(**changes) -> RenderRequest:
    data = {**FLUX, **changes}
    if "params" in changes:
        data["params"] = {**FLUX["params"], **changes["params"]}
    return RenderRequest(**data)


def live_studio(home, sandbox, *, sandbox_live: bool = True, **network) -> Studio:
    """A studio whose image and video flags are on, with network settings overridden.
    `sandbox_live=False`: flags still decide (the real-world rule, over the emulator)."""
    studio = Studio(home, sandbox_url=sandbox.url, sandbox_live=sandbox_live)
    settings = studio.settings
    for flag in ("enable_public_image_providers", "enable_public_video_providers"):
        settings = set_value(settings, f"features.{flag}", "true")
    for key, value in network.items():
        settings = set_value(settings, f"network.{key}", str(value))
    studio.update_settings(settings)
    return studio


async def wait_for(predicate: Callable[[], object], what: str, timeout: float = 30) -> None:
    """Wait on a condition (checked every 20 ms); fail with `what` when it never holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def downloads(sandbox, provider: str | None = None) -> list[dict]:
    """Whole-file downloads the sandbox served from /files: name, provider, outcome
    ("whole", or "cut" by a fault switch)."""
    params = {"provider": provider} if provider else {}
    return httpx.get(f"{sandbox.url}/_sandbox/downloads", params=params).json()


def submissions(sandbox, provider: str) -> list[dict]:
    return [r for r in sandbox_requests(sandbox, provider) if r["method"] == "POST"]


def leftovers(root: Path) -> list[Path]:
    """`.part` files anywhere under root."""
    return sorted(root.rglob("*.part"))
