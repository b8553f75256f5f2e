"""Chains over the sandbox: a live studio, a start image, and the runway model used."""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.core.config import set_value
from studio.core.service import Studio

PROVIDER, MODEL = "runway", "gen4_turbo"
PARAMS = {"duration": 2}


def start_image(path):
    pixels = np.zeros((96, 160, 3), np.uint8)
    pixels[:, :80] = (220, 60, 30)
    pixels[:, 80:] = (20, 90, 200)
    pixels[30:66, 60:100] = (250, 230, 40)
    Image.fromarray(pixels).save(path)
    return path


def live_studio(home, sandbox) -> Studio:
    studio = Studio(home, sandbox_url=sandbox.url)
    settings = set_value(studio.settings, "features.enable_public_video_providers", "true")
    studio.update_settings(settings)
    return studio
