"""Stability v2beta over real HTTP: multipart in, image bytes or JSON out, credits."""

from __future__ import annotations

import base64
import time

import httpx
import pytest
from sandbox_helpers import image_size

from studio.sandbox import SandboxServer
from studio.sandbox.render import render_png

CORE = "/v2beta/stable-image/generate/core"
SD3 = "/v2beta/stable-image/generate/sd3"
FORCE_MULTIPART = {"none": ("", b"")}


@pytest.fixture(autouse=True)
def _quick_answers(admin: httpx.Client) -> None:
    # Stability answers after run_seconds; most tests here do not need to wait.
    admin.post("/faults", json={"run_seconds": 0.01}).raise_for_status()


def generate(client: httpx.Client, path: str, **fields: str) -> httpx.Response:
    return client.post(path, data=fields, files=FORCE_MULTIPART)


def test_image_bytes_with_metadata_headers(stability: httpx.Client, admin: httpx.Client) -> None:
    admin.post("/faults", json={"run_seconds": 0.3}).raise_for_status()
    started = time.monotonic()
    response = generate(stability, CORE, prompt="a lighthouse", aspect_ratio="16:9", seed="42")
    assert time.monotonic() - started >= 0.3  # synchronous, answered after run_seconds
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["finish-reason"] == "SUCCESS"
    assert response.headers["seed"] == "42"
    assert int(response.headers["content-length"]) == len(response.content)
    assert image_size(response.content) == ("PNG", 1344, 768)
    again = generate(stability, CORE, prompt="a lighthouse", aspect_ratio="16:9", seed="42")
    assert again.content == response.content


def test_json_form_and_random_seed(stability: httpx.Client) -> None:
    response = stability.post(
        "/v2beta/stable-image/generate/ultra",
        data={"prompt": "p", "aspect_ratio": "9:21", "output_format": "webp"},
        files=FORCE_MULTIPART,
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"image", "finish_reason", "seed"}
    assert body["finish_reason"] == "SUCCESS"
    assert 0 < body["seed"] <= 4294967294
    assert image_size(base64.b64decode(body["image"])) == ("WEBP", 640, 1536)


@pytest.mark.parametrize(
    ("aspect", "size"), [("1:1", (1024, 1024)), ("21:9", (1536, 640)), ("4:5", (896, 1088))]
)
def test_sd3_models_and_aspects(stability: httpx.Client, aspect: str, size: tuple) -> None:
    response = generate(
        stability, SD3, prompt="p", model="sd3.5-medium", aspect_ratio=aspect, output_format="jpeg"
    )
    assert response.headers["content-type"] == "image/jpeg"
    assert image_size(response.content) == ("JPEG", *size)


def test_image_to_image_keeps_the_input_size(stability: httpx.Client) -> None:
    source = render_png("source", 1, 320, 240)
    fields = {"prompt": "p", "mode": "image-to-image", "strength": "0.6"}
    files = {"image": ("in.png", source, "image/png")}
    response = stability.post(SD3, data=fields, files=files)
    assert response.status_code == 200
    assert image_size(response.content) == ("PNG", 320, 240)
    no_image = generate(stability, SD3, prompt="p", mode="image-to-image", strength="0.5")
    assert no_image.status_code == 400
    assert any(e.startswith("image:") for e in no_image.json()["errors"])


@pytest.mark.parametrize(
    ("path", "fields", "error_field"),
    [
        (CORE, {}, "prompt"),
        (CORE, {"prompt": "p", "aspect_ratio": "4:3"}, "aspect_ratio"),
        (SD3, {"prompt": "p", "output_format": "webp"}, "output_format"),
        (SD3, {"prompt": "p", "model": "sd4"}, "model"),
        (CORE, {"prompt": "p", "seed": "-1"}, "seed"),
    ],
)
def test_validation_errors(
    stability: httpx.Client, path: str, fields: dict, error_field: str
) -> None:
    response = generate(stability, path, **fields)
    assert response.status_code == 400
    body = response.json()
    assert body["name"] == "bad_request" and body["id"]
    assert [e.split(":")[0] for e in body["errors"]] == [error_field]


def test_request_shape_errors(sandbox: SandboxServer, stability: httpx.Client) -> None:
    urlencoded = stability.post(CORE, data={"prompt": "p"})
    assert urlencoded.status_code == 400
    assert urlencoded.json()["name"] == "bad_request"
    assert "multipart/form-data" in urlencoded.json()["errors"][0]
    for accept in ("*/*", "text/html"):
        bad_accept = stability.post(
            CORE, data={"prompt": "p"}, files=FORCE_MULTIPART, headers={"Accept": accept}
        )
        assert bad_accept.status_code == 400
        assert bad_accept.json()["errors"][0].startswith("accept:")
    no_key = httpx.post(
        f"{sandbox.url}/stability{CORE}", data={"prompt": "p"}, files=FORCE_MULTIPART
    )
    assert no_key.status_code == 401
    assert no_key.json()["name"] == "unauthorized"
    assert generate(stability, "/v2beta/stable-image/generate/max", prompt="p").status_code == 404


def test_balance_falls_by_the_model_price(stability: httpx.Client, admin: httpx.Client) -> None:
    assert stability.get("/v1/user/balance").json() == {"credits": 1000.0}
    generate(stability, "/v2beta/stable-image/generate/ultra", prompt="p")
    generate(stability, SD3, prompt="p", model="sd3.5-large")
    assert stability.get("/v1/user/balance").json() == {"credits": 1000 - 8 - 6.5}
    admin.post("/faults", json={"stability_credits": 3.5}).raise_for_status()
    refused = generate(stability, SD3, prompt="p", model="sd3.5-large-turbo")
    assert refused.status_code == 402
    assert refused.json()["name"] == "payment_required"
    assert generate(stability, SD3, prompt="p", model="sd3.5-medium").status_code == 200
    assert stability.get("/v1/user/balance").json() == {"credits": 0.0}


def test_content_filtered_returns_a_blurred_image(
    stability: httpx.Client, admin: httpx.Client
) -> None:
    clean = generate(stability, CORE, prompt="p", seed="9")
    admin.post("/faults", json={"fail_next": {"provider": "stability", "code": "CONTENT_FILTERED"}})
    filtered = generate(stability, CORE, prompt="p", seed="9")
    assert filtered.status_code == 200
    assert filtered.headers["finish-reason"] == "CONTENT_FILTERED"
    assert filtered.content != clean.content
    assert image_size(filtered.content) == ("PNG", 1024, 1024)
    assert generate(stability, CORE, prompt="p", seed="9").headers["finish-reason"] == "SUCCESS"


def test_other_failures_use_the_error_shape(stability: httpx.Client, admin: httpx.Client) -> None:
    fault = {"provider": "stability", "code": "content_moderation", "message": "flagged"}
    admin.post("/faults", json={"fail_next": fault}).raise_for_status()
    response = generate(stability, CORE, prompt="p")
    assert response.status_code == 403
    assert (response.json()["name"], response.json()["errors"]) == (
        "content_moderation",
        ["flagged"],
    )
