"""Every image-to-video model the sandbox emulates starts exactly on the start frame it was
sent and ends on a frame that differs, at the asked length, with audio when asked. Run as
live jobs through the studio (each provider's real protocol), decoded with PyAV."""

from __future__ import annotations

import asyncio
from fractions import Fraction

import av
import numpy as np
import pytest
from PIL import Image

from studio.core.config import set_value
from studio.core.service import Studio
from studio.providers import registry
from studio.providers.base import RenderRequest
from studio.providers.modes import Mode
from studio.sandbox.render import render_mp4
from tests.conftest import instant_jobs

I2V = [(pid, mid) for pid, provider in registry().items()
       for mid, model in provider.models.items() if Mode.IMG2VIDEO in model.modes]


def _start_image(path):
    pixels = np.zeros((120, 200, 3), np.uint8)
    pixels[:, :100] = (200, 40, 40)
    pixels[:, 100:] = (30, 60, 220)
    pixels[40:80, 80:120] = (240, 240, 40)
    Image.fromarray(pixels).save(path)
    return path


def _live(home, sandbox) -> Studio:
    instant_jobs(sandbox)  # these tests are about the clip, not the wait for it
    studio = Studio(home, sandbox_url=sandbox.url)
    settings = studio.settings
    for flag in ("enable_public_image_providers", "enable_public_video_providers"):
        settings = set_value(settings, f"features.{flag}", "true")
    settings = set_value(settings, "image_host.host", "fal")  # Luma fetches by URL
    studio.update_settings(settings)
    return studio


def _decode(path):
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(stream)]
        rate = stream.average_rate
    with av.open(str(path)) as c:
        audio = bool(c.streams.audio) and sum(f.samples for f in c.decode(audio=0)) > 0
    return frames, rate, audio


def _run(studio: Studio, request: RenderRequest):
    async def go():
        try:
            job = await studio.submit(request)
            assert not job.dry_run, job.dry_run_reason
            job = await studio.wait(job.id)
            return job, studio.job_assets(job.id)
        finally:
            await studio.aclose()
    return asyncio.run(go())


@pytest.mark.parametrize(("provider", "model"), I2V, ids=[f"{p}:{m}" for p, m in I2V])
def test_an_i2v_clip_starts_on_the_start_frame_and_moves_away(home, sandbox, tmp_path,
                                                               provider, model):
    start = _start_image(tmp_path / "start.png")
    studio = _live(home, sandbox)
    job, [asset] = _run(studio, RenderRequest(provider=provider, model=model,
                                              mode=Mode.IMG2VIDEO, prompt="waves at dusk",
                                              seed=3, input_images=[str(start)]))
    assert job.status.value == "succeeded", job.error
    frames, rate, _ = _decode(asset.path)
    height, width = frames[0].shape[:2]
    expected = np.asarray(Image.open(start).convert("RGB").resize(
        (width, height), Image.Resampling.LANCZOS), np.float32)
    assert np.abs(frames[0] - expected).mean() < 4  # the start image (H.264 at crf 26)
    assert np.abs(frames[-1] - expected).mean() > 15  # and it ends elsewhere
    assert len(frames) >= 2 and rate > 0


def test_a_clip_asked_with_audio_has_an_audio_track_as_long_as_the_video(home, sandbox,
                                                                        tmp_path):
    start = _start_image(tmp_path / "start.png")
    studio = _live(home, sandbox)
    _, [asset] = _run(studio, RenderRequest(provider="runway", model="veo3.1",
                                            mode=Mode.IMG2VIDEO, prompt="rain",
                                            input_images=[str(start)], params={"audio": True}))
    frames, rate, audio = _decode(asset.path)
    assert audio
    with av.open(asset.path) as c:
        seconds = sum(f.samples for f in c.decode(audio=0)) / 48_000
    assert abs(seconds - len(frames) / float(rate)) < 0.1


def test_render_ends_on_the_end_frame_when_one_is_given(tmp_path):
    start = (tmp_path / "a.png")
    end = (tmp_path / "b.png")
    Image.new("RGB", (64, 48), (250, 20, 20)).save(start)
    Image.new("RGB", (64, 48), (20, 20, 250)).save(end)
    data = render_mp4("x", 1, 64, 48, 1.0, 12, start_image=start.read_bytes(),
                      end_image=end.read_bytes())
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    frames, rate, audio = _decode(path)
    assert len(frames) == 12 and rate == Fraction(12) and not audio
    assert frames[0][..., 0].mean() > 200 and frames[-1][..., 2].mean() > 200
    # The same request renders the same bytes (deterministic, like every sandbox render).
    assert render_mp4("x", 1, 64, 48, 1.0, 12, start_image=start.read_bytes(),
                      end_image=end.read_bytes()) == data


def test_an_i2v_clip_has_the_asked_length_at_the_sandbox_rate(home, sandbox, tmp_path):
    start = _start_image(tmp_path / "start.png")
    studio = _live(home, sandbox)
    _, [asset] = _run(studio, RenderRequest(provider="runway", model="gen4_turbo",
                                            mode=Mode.IMG2VIDEO, prompt="tide",
                                            input_images=[str(start)],
                                            params={"duration": 3}))
    frames, rate, audio = _decode(asset.path)
    assert rate == Fraction(12) and len(frames) == 36 and not audio  # 3 s at 12 fps
    assert asset.duration_seconds == 3.0
