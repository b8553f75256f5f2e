"""Pixel sizes behind the providers' size names, ratios and resolutions."""

from __future__ import annotations

FAL_IMAGE_SIZES = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}

# Stability's v2beta sizes (SAI node pack); fal's ultra ratios reuse them plus 4:3 and 3:4.
ASPECT_SIZES = {
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "21:9": (1536, 640),
    "2:3": (832, 1216),
    "3:2": (1216, 832),
    "4:5": (896, 1088),
    "5:4": (1088, 896),
    "9:16": (768, 1344),
    "9:21": (640, 1536),
    "4:3": (1152, 896),
    "3:4": (896, 1152),
}
STABILITY_ASPECTS = ("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")

VIDEO_RESOLUTIONS = {
    "360p": 360,
    "480p": 480,
    "540p": 540,
    "580p": 580,
    "720p": 720,
    "1080p": 1080,
    "4k": 2160,
}


def parse_ratio(value: str) -> tuple[int, int] | None:
    """'16:9' -> (16, 9); None when it is not two positive integers."""
    left, sep, right = value.partition(":")
    if not sep or not left.isdigit() or not right.isdigit() or not int(left) or not int(right):
        return None
    return int(left), int(right)


def even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def video_size(short_side: int, aspect: str) -> tuple[int, int]:
    """Frame size for a resolution's short side and an 'a:b' aspect (unknown -> 16:9)."""
    ratio = parse_ratio(aspect) or (16, 9)
    a, b = ratio
    if a >= b:
        return even(short_side * a / b), even(short_side)
    return even(short_side), even(short_side * b / a)


def cap_video(width: int, height: int, max_side: int) -> tuple[int, int]:
    """Scale down (keeping the aspect) so the long side is <= max_side; dimensions even."""
    longest = max(width, height)
    if longest <= max_side:
        return even(width), even(height)
    scale = max_side / longest
    return even(width * scale), even(height * scale)
