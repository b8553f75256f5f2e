"""Bodies built to hurt: JSON nested far too deep and images that declare billions of
pixels get 400/413 with a message, never a 500, and leave nothing in data/api_inputs."""

from __future__ import annotations

import base64

import pytest

from tests.api.conftest import FLUX, png_data_uri
from tests.cli.bad_inputs import png_header

DEEP = 200_000
GENERATE = "/api/providers/image/generate"
I2I = {**FLUX, "model": "fal-ai/flux/dev/image-to-image", "parameters": {}}


def _uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def _inputs(api) -> list:
    folder = api.studio.paths.data_dir / "api_inputs"
    return sorted(folder.iterdir()) if folder.is_dir() else []


@pytest.mark.parametrize("body", [
    b"[" * DEEP + b"]" * DEEP,
    b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    b"[" * DEEP,  # deep and unfinished
    ('{"provider": "fal", "model": "fal-ai/flux/dev", "prompt": "x", "parameters": '
     '{"x": ' + "[" * 1000 + "]" * 1000 + "}}").encode(),  # deep inside a valid request
    ('{"provider": "fal", "model": "fal-ai/flux/dev", "prompt": "x", "parameters": '
     '{"x": ' + '{"y":' * 100 + "1" + "}" * 100 + "}}").encode(),
], ids=["array", "object", "unfinished", "params-array", "params-object"])
async def test_deep_json_is_a_400(api, body):
    r = await api.client.post(GENERATE, content=body,
                              headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert "levels deep" in r.json()["error"]
    assert api.studio.store.count_jobs() == 0 and _inputs(api) == []


@pytest.mark.parametrize(("width", "height"), [(30_000, 30_000), (10_000, 10_000),
                                               (2**31 - 1, 1)])
async def test_a_decompression_bomb_upload_is_a_413_and_nothing_is_kept(api, width, height):
    bomb = _uri(png_header(width, height))
    r = await api.client.post(GENERATE, json={**I2I, "input_images": [png_data_uri(), bomb]})
    assert r.status_code == 413, r.text
    body = r.json()
    assert "decompression bomb" in body["error"]
    assert [f["field"] for f in body["fields"]] == ["input_images.1"]
    assert api.studio.store.count_jobs() == 0 and _inputs(api) == []


async def test_hostile_bodies_never_get_a_500(api):
    hostile = [
        b"", b"null", b"[]", b'"a string"', b"\xff\xfe\x00", b"{" * 5000, b'{"prompt": 1e999}',
        b'{"provider": "fal", "model": "fal-ai/flux/dev", "prompt": "x", "seed": 1e400}',
        b'{"provider": "fal", "model": "fal-ai/flux/dev", "prompt": "\\ud800"}',
        ('{"provider": "fal", "model": "fal-ai/flux/dev", "prompt": "x", "input_images": ["'
         + _uri(b"\x89PNG\r\n\x1a\n" + b"\0" * 40) + '"]}').encode(),
        ('{"provider": "fal", "model": "fal-ai/flux/dev", "prompt": "x", "webhook": "'
         + "http://" + "a" * 2000 + '"}').encode(),
    ]
    for body in hostile:
        r = await api.client.post(GENERATE, content=body,
                                  headers={"Content-Type": "application/json"})
        assert r.status_code in (400, 413, 422), (body[:60], r.status_code, r.text)
        assert "error" in r.json()
    assert _inputs(api) == []
