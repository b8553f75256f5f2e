"""Studios whose assistant talks to the sandbox, and small files for its flows."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from studio.core.config import set_value
from studio.core.service import Studio
from tests.conftest import sandbox_requests


def assistant_studio(home, sandbox, *, live: bool = True, **assistant) -> Studio:
    """A sandbox studio; `live` turns features.enable_assistant on."""
    studio = Studio(home, sandbox_url=sandbox.url)
    settings = studio.settings
    if live:
        settings = set_value(settings, "features.enable_assistant", "true")
    for key, value in assistant.items():
        settings = set_value(settings, f"assistant.{key}", str(value))
    studio.update_settings(settings)
    return studio


def chat_requests(sandbox) -> list[dict]:
    return [r for r in sandbox_requests(sandbox, "assistant") if r["method"] == "POST"]


def red_png(path: Path, colour=(220, 20, 30)) -> Path:
    Image.new("RGB", (64, 48), colour).save(path)
    return path
