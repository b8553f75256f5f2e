"""Bounds on what `measure` will decode, so a hostile or huge file costs little memory."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    # 64 MP images decode to ~200 MB of RGB; larger ones are refused before decoding.
    max_image_pixels: int = 8192 * 8192
    # 8K video frames; larger ones are refused before the first frame is decoded.
    max_video_pixels: int = 7680 * 4320
    # Images and sampled video frames are analysed with their long side at most this big,
    # so outputs of different sizes are measured at one scale.
    analysis_side: int = 1024
    # Frame-to-frame metrics run on frames this small: enough for flicker, SSIM and flow.
    temporal_side: int = 256
    # Video frames with the full image metrics (evenly spread over the clip).
    sampled_frames: int = 8
    # Decoding stops after this many frames (about a minute at 30 fps); the rest is skipped
    # and the measurement says so.
    max_video_frames: int = 1800
