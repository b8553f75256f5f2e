"""Odd JSON values in any field get the provider's 4xx answer, never a crash."""

from __future__ import annotations

import httpx
import pytest

ODD_VALUES = [None, True, -1, 0, 1.5, "", "x" * 50, [], ["a"], {}, {"width": "a"}]
FAL_FIELDS = [
    "prompt",
    "image_size",
    "num_images",
    "seed",
    "output_format",
    "format",
    "aspect_ratio",
    "duration",
    "resolution",
    "num_frames",
    "frames_per_second",
    "image_url",
]
RUNWAY_FIELDS = [
    "model",
    "promptImage",
    "promptText",
    "ratio",
    "duration",
    "seed",
    "referenceImages",
    "audio",
]


@pytest.mark.parametrize("field", FAL_FIELDS)
def test_fal_inputs_never_crash(fal: httpx.Client, field: str) -> None:
    for endpoint in ("/fal-ai/flux/dev", "/fal-ai/wan-i2v"):
        base = {"prompt": "p", "image_url": "https://example.com/a.png"}
        for value in ODD_VALUES:
            response = fal.post(endpoint, json={**base, field: value})
            assert response.status_code in (200, 422), (endpoint, field, value, response.text)
            if response.status_code == 422:
                assert response.json()["detail"][0]["loc"][0] == "body"
    for body in (b"[]", b"null", b"{", b"\xff", b""):
        response = fal.post("/fal-ai/flux/dev", content=body)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][0] == "body"


@pytest.mark.parametrize("route", ["image_to_video", "text_to_video", "text_to_image"])
def test_runway_inputs_never_crash(runway: httpx.Client, route: str) -> None:
    base = {
        "model": {"image_to_video": "gen4_turbo", "text_to_video": "gen4.5"}.get(
            route, "gen4_image"
        ),
        "promptImage": "https://example.com/a.png",
        "promptText": "p",
        "ratio": "1280:720",
        "duration": 5,
    }
    for field in RUNWAY_FIELDS:
        for value in ODD_VALUES:
            response = runway.post(f"/v1/{route}", json={**base, field: value})
            assert response.status_code in (200, 400), (route, field, value, response.text)
    for body in (b"[]", b"null", b"{", b"\xff"):
        response = runway.post(f"/v1/{route}", content=body)
        assert response.status_code == 400
        assert "error" in response.json()
