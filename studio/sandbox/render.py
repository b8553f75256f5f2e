"""Deterministic, clearly fake images and videos: seeded gradients, soft blobs, a label.

The same (prompt, seed, size) always gives the same bytes, so tests can compare outputs.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

IMAGE_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "mp4": "video/mp4"}
# The smooth field is computed on a grid this many times smaller, then upscaled.
_FIELD_DOWNSCALE = 6
_BLOBS = 5


@dataclass(frozen=True)
class _Scene:
    angle: float
    colours: np.ndarray  # (2, 3) gradient end colours, 0..1
    centres: np.ndarray  # (B, 2) blob centres in 0..1
    radii: np.ndarray  # (B,)
    blob_colours: np.ndarray  # (B, 3)
    orbits: np.ndarray  # (B, 2) how far each blob swings in a video
    phases: np.ndarray  # (B,)


def _scene(prompt: str, seed: int) -> _Scene:
    digest = hashlib.sha256(f"{seed}\x00{prompt}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
    hue = rng.random()
    return _Scene(
        angle=float(rng.random() * 2 * math.pi),
        colours=np.array([_hsv(hue, 0.55, 0.35), _hsv(hue + 0.25 + rng.random() * 0.2, 0.5, 0.8)]),
        centres=rng.random((_BLOBS, 2)) * 0.8 + 0.1,
        radii=rng.random(_BLOBS) * 0.18 + 0.08,
        blob_colours=np.array([_hsv(hue + rng.random() * 0.5, 0.6, 0.95) for _ in range(_BLOBS)]),
        orbits=rng.random((_BLOBS, 2)) * 0.25 + 0.05,
        phases=rng.random(_BLOBS) * 2 * math.pi,
    )


def _hsv(h: float, s: float, v: float) -> tuple[float, float, float]:
    h = (h % 1.0) * 6
    i = int(h) % 6
    f = h - int(h)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    return [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]


def _field(scene: _Scene, width: int, height: int, t: float) -> Image.Image:
    """The gradient and blobs at animation phase t (0..1), upscaled to width x height."""
    fw = max(2, math.ceil(width / _FIELD_DOWNSCALE))
    fh = max(2, math.ceil(height / _FIELD_DOWNSCALE))
    u = np.linspace(0.0, 1.0, fw, dtype=np.float32)[None, :]
    v = np.linspace(0.0, 1.0, fh, dtype=np.float32)[:, None]
    ramp = (u * math.cos(scene.angle) + v * math.sin(scene.angle)) / (
        abs(math.cos(scene.angle)) + abs(math.sin(scene.angle))
    )
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    img = scene.colours[0] * (1 - ramp[..., None]) + scene.colours[1] * ramp[..., None]
    aspect_x, aspect_y = width / max(width, height), height / max(width, height)
    for i in range(_BLOBS):
        swing = 2 * math.pi * t + scene.phases[i]
        # Offsets are zero at t=0, so a video's first frame matches the still image.
        dx = math.sin(swing) - math.sin(scene.phases[i])
        dy = math.cos(swing) - math.cos(scene.phases[i])
        cx = scene.centres[i, 0] + scene.orbits[i, 0] * dx
        cy = scene.centres[i, 1] + scene.orbits[i, 1] * dy
        d2 = ((u - cx) * aspect_x) ** 2 + ((v - cy) * aspect_y) ** 2
        weight = (np.exp(-d2 / (2 * scene.radii[i] ** 2)) * 0.75)[..., None]
        img = img * (1 - weight) + scene.blob_colours[i] * weight
    field = Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8), "RGB")
    return field.resize((width, height), Image.Resampling.BILINEAR)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _first_words(prompt: str, limit: int) -> str:
    words, out = prompt.split(), ""
    for word in words:
        candidate = f"{out} {word}".strip()
        if len(candidate) > limit:
            return (out or word[:limit]) + "..."
        out = candidate
    return out


def _overlay(prompt: str, seed: int, width: int, height: int) -> Image.Image:
    """A transparent layer with the SANDBOX badge and the prompt's first words."""
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    size = max(8, min(width, height) // 26)
    font, pad = _font(size), max(2, size // 3)
    badge = "SANDBOX"
    x0, y0, x1, y1 = draw.textbbox((pad * 2, pad * 2), badge, font=font)
    draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill=(0, 0, 0, 150))
    draw.text((pad * 2, pad * 2), badge, font=font, fill=(255, 214, 0, 255))
    caption = _first_words(prompt, max(8, width // max(size // 2, 1) - 4)) or "(no prompt)"
    caption_y = height - size - pad * 4
    x0, y0, x1, y1 = draw.textbbox((pad * 2, caption_y), caption, font=font)
    draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill=(0, 0, 0, 120))
    draw.text((pad * 2, caption_y), caption, font=font, fill=(255, 255, 255, 235))
    small = _font(max(6, size * 2 // 3))
    meta = f"seed {seed}  {width}x{height}"
    meta_w = draw.textlength(meta, font=small)
    draw.text((width - meta_w - pad * 2, pad * 2), meta, font=small, fill=(255, 255, 255, 200))
    return layer


def _check_size(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise ValueError(f"size must be positive, got {width}x{height}")


def render_image(
    prompt: str, seed: int, width: int, height: int, fmt: str = "png", *, blurred: bool = False
) -> bytes:
    """An image file of exactly width x height in fmt (png, jpeg or webp)."""
    _check_size(width, height)
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"unsupported image format {fmt!r}")
    image = _field(_scene(prompt, seed), width, height, 0.0).convert("RGBA")
    image.alpha_composite(_overlay(prompt, seed, width, height))
    image = image.convert("RGB")
    if blurred:
        image = image.filter(ImageFilter.GaussianBlur(radius=max(4, min(width, height) // 20)))
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, "PNG", compress_level=1)
    else:
        image.save(out, IMAGE_FORMATS[fmt], quality=85)
    return out.getvalue()


def render_png(prompt: str, seed: int, width: int, height: int) -> bytes:
    return render_image(prompt, seed, width, height, "png")


def render_mp4(
    prompt: str, seed: int, width: int, height: int, seconds: float, fps: int = 12, *,
    start_image: bytes | None = None, end_image: bytes | None = None, audio: bool = False,
) -> bytes:
    """An H.264 MP4 (yuv420p) of round(seconds * fps) frames; width and height must be even.

    With `start_image` (image to video), the first frame is that image resized to the output
    size and the clip moves away from it (a slow zoom into the seeded scene), so its last
    frame differs; with `end_image` too, the clip ends on that image. `audio` adds an AAC
    tone (pitch from the seed) as long as the video."""
    _check_size(width, height)
    if width % 2 or height % 2:
        raise ValueError(f"video dimensions must be even, got {width}x{height}")
    if seconds <= 0 or fps < 1:
        raise ValueError("seconds and fps must be positive")
    frames = max(1, round(seconds * fps))
    scene = _scene(prompt, seed)
    overlay = np.asarray(_overlay(prompt, seed, width, height), dtype=np.float32)
    alpha = overlay[..., 3:4] / 255.0
    ink = overlay[..., :3] * alpha
    keyframes = None
    if start_image is not None:
        try:
            keyframes = (_fit_image(start_image, width, height),
                         _fit_image(end_image, width, height) if end_image is not None else None)
        except (OSError, ValueError):  # not a readable image: render from the prompt alone
            keyframes = None
    with tempfile.TemporaryDirectory(prefix="sandbox-mp4-") as folder:
        path = os.path.join(folder, "out.mp4")
        _encode(path, scene, frames, fps, (width, height), (alpha, ink), keyframes,
                _tone(seed, frames / fps) if audio else None)
        with open(path, "rb") as handle:
            return handle.read()


def _fit_image(data: bytes, width: int, height: int) -> Image.Image:
    """An input frame as RGB at exactly width x height (stretched, like a provider's resize)."""
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
    if rgb.size != (width, height):
        rgb = rgb.resize((width, height), Image.Resampling.LANCZOS)
    return rgb


def _tone(seed: int, seconds: float, rate: int = 48_000) -> np.ndarray:
    t = np.arange(round(seconds * rate), dtype=np.float32) / rate
    pitch = 220.0 + (seed % 12) * 30.0
    tone = (0.2 * np.sin(2 * np.pi * pitch * t)).astype(np.float32)
    return np.stack([tone, tone])


def _i2v_frame(scene: _Scene, start: Image.Image, end: Image.Image | None, t: float,
               size: tuple[int, int], overlay: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Frame at phase t (0..1) of an image-to-video clip: t=0 is the start image exactly."""
    width, height = size
    if t <= 0:
        return np.asarray(start, dtype=np.uint8)
    zoom = 1.0 + 0.25 * t
    cw, ch = width / zoom, height / zoom
    box = ((width - cw) / 2, (height - ch) / 2, (width + cw) / 2, (height + ch) / 2)
    moved = np.asarray(start.resize((width, height), Image.Resampling.BILINEAR, box=box),
                       dtype=np.float32)
    field = np.asarray(_field(scene, width, height, t), dtype=np.float32)
    frame = moved * (1 - 0.4 * t) + field * (0.4 * t)
    alpha, ink = overlay
    frame = frame * (1 - alpha * t) + ink * t  # the SANDBOX badge fades in
    if end is not None:
        frame = frame * (1 - t) + np.asarray(end, dtype=np.float32) * t
    return np.clip(frame + 0.5, 0, 255).astype(np.uint8)


def _encode(
    path: str,
    scene: _Scene,
    frames: int,
    fps: int,
    size: tuple[int, int],
    overlay: tuple[np.ndarray, np.ndarray],
    keyframes: tuple[Image.Image, Image.Image | None] | None = None,
    tone: np.ndarray | None = None,
) -> None:
    (width, height), (alpha, ink) = size, overlay
    bar_y = max(2, height // 90)
    # faststart puts the index first so players can start streaming over HTTP at once.
    with av.open(path, mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        # One thread keeps the encoder's output byte-identical between runs.
        stream.codec_context.thread_count = 1
        stream.codec_context.options = {"preset": "ultrafast", "crf": "26"}
        sound = container.add_stream("aac", rate=48_000, layout="stereo") if tone is not None \
            else None
        for index in range(frames):
            if keyframes is not None:
                t = index / (frames - 1) if frames > 1 else 0.0
                frame = _i2v_frame(scene, keyframes[0], keyframes[1], t, size, overlay)
            else:
                field = np.asarray(_field(scene, width, height, index / frames), dtype=np.float32)
                frame = (field * (1 - alpha) + ink).astype(np.uint8)
                frame[height - bar_y :, : max(1, round(width * (index + 1) / frames))] = (
                    255, 214, 0)
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts = index
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode(None))
        if sound is not None and tone is not None:
            for start in range(0, tone.shape[1], 1024):
                chunk = np.ascontiguousarray(tone[:, start:start + 1024])
                audio_frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
                audio_frame.sample_rate = 48_000
                audio_frame.pts = start
                audio_frame.time_base = Fraction(1, 48_000)
                container.mux(sound.encode(audio_frame))
            container.mux(sound.encode(None))


def content_type_for(fmt: str) -> str:
    return CONTENT_TYPES[fmt]
