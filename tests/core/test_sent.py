"""Provenance and A1111 `parameters` list only the settings that went out."""

import time

from studio.core.export.embed import a1111_parameters
from studio.core.jobs import Asset
from studio.core.provenance import build_record
from studio.core.sent import sent_params
from studio.core.service import Studio
from studio.providers.base import RenderRequest


def _record(studio: Studio, request: RenderRequest) -> dict:
    job = studio.store.get_job(studio_submit(studio, request))
    asset = Asset(id="a1", job_id=job.id, path="/x/00.png", sha256="0" * 64,
                  media_type="image/png", bytes=1, width=1024, height=1024)
    return build_record(job, asset, job.provider)


def studio_submit(studio: Studio, request: RenderRequest) -> str:
    import asyncio

    return asyncio.run(studio.submit(request)).id  # a dry-run: the exact request recorded


def test_text_to_image_lists_no_denoising_strength(home):
    studio = Studio(home, env={})
    try:
        record = _record(studio, RenderRequest(provider="stability", model="sd3.5-large",
                                               prompt="a lighthouse", seed=5))
    finally:
        studio.store.close()
    assert "strength" not in record["params"] and "style_preset" not in record["params"]
    assert record["params"]["cfg_scale"] == 4.0
    text = a1111_parameters(record)
    assert "Denoising strength" not in text
    assert "CFG scale: 4.0" in text and "Seed: 5" in text


def test_old_records_are_checked_against_the_request_they_carry():
    record = {"prompt": "a fox", "params": {"strength": 0.5, "cfg_scale": 7},
              "request": {"form": {"prompt": "a fox", "cfg_scale": "7"}},
              "timings": {"created_at": time.time()}}
    text = a1111_parameters(record)
    assert "CFG scale: 7" in text and "Denoising strength" not in text
    record["request"]["form"]["strength"] = "0.5"
    assert "Denoising strength: 0.5" in a1111_parameters(record)


def test_renamed_values_count_as_sent_and_a_missing_body_keeps_everything():
    prepared = {"url": "https://x/run/abc123", "body": {"prompt": {"4": {"inputs": {
        "ckpt_name": "flux1-schnell.safetensors"}}}}}
    params = {"checkpoint": "flux1-schnell.safetensors", "endpoint_id": "abc123",
              "style": None, "weight": 0.8}
    assert sent_params(params, prepared) == {"checkpoint": "flux1-schnell.safetensors",
                                             "endpoint_id": "abc123"}
    assert sent_params(params, {"url": "https://x"}) == params
