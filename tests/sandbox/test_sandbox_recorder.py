"""The request recorder: what an adapter sent, exactly, minus the secret itself."""

from __future__ import annotations

import httpx

from studio.sandbox import SandboxServer
from studio.sandbox.recorder import fingerprint


def test_json_request_is_recorded_with_headers_and_query(
    fal: httpx.Client, admin: httpx.Client
) -> None:
    body = {"prompt": "a cat", "image_size": {"width": 64, "height": 64}, "seed": 1}
    job = fal.post("/fal-ai/flux/dev", json=body, params={"fal_webhook": "https://x.test/h"})
    fal.get(job.json()["status_url"], params={"logs": "1"})

    [submit, poll] = admin.get("/requests").json()
    assert submit["provider"] == "fal"
    assert submit["method"] == "POST"
    assert submit["path"] == "/fal/fal-ai/flux/dev"
    assert submit["route"] == "/fal-ai/flux/dev"
    assert submit["query"] == {"fal_webhook": "https://x.test/h"}
    assert submit["body_kind"] == "json"
    assert submit["body"] == body
    assert submit["status"] == 200
    assert submit["headers"]["content-type"] == "application/json"
    assert poll["method"] == "GET"
    assert poll["query"] == {"logs": "1"}
    assert poll["id"] > submit["id"]


def test_secrets_are_fingerprinted_not_stored(fal: httpx.Client, admin: httpx.Client) -> None:
    fal.post("/fal-ai/flux/dev", json={"prompt": "x"})
    [record] = admin.get("/requests").json()
    assert record["headers"]["authorization"] == f"Key <redacted sha256:{fingerprint('fal_test')}>"
    assert "fal_test" not in str(record)


def test_multipart_fields_and_file_parts(stability: httpx.Client, admin: httpx.Client) -> None:
    image = b"\x89PNG fake bytes" * 10
    stability.post(
        "/v2beta/stable-image/generate/sd3",
        data={"prompt": "p", "mode": "image-to-image", "strength": "0.5"},
        files={"image": ("in.png", image, "image/png")},
    )
    [record] = admin.get("/requests", params={"provider": "stability"}).json()
    assert record["body_kind"] == "multipart"
    assert record["body"] == {
        "fields": {"prompt": "p", "mode": "image-to-image", "strength": "0.5"},
        "files": [
            {"field": "image", "filename": "in.png", "content_type": "image/png", "size": 150}
        ],
    }
    assert record["status"] == 400  # the fake PNG cannot be decoded


def test_failures_are_recorded_too_and_filter_by_provider(
    sandbox: SandboxServer, runway: httpx.Client, admin: httpx.Client
) -> None:
    httpx.get(f"{sandbox.url}/runway/v1/organization")
    runway.delete("/v1/tasks/missing")
    httpx.post(f"{sandbox.url}/fal/fal-ai/flux/dev", content=b"not json")
    runway_records = admin.get("/requests", params={"provider": "runway"}).json()
    assert [(r["method"], r["status"]) for r in runway_records] == [("GET", 401), ("DELETE", 404)]
    assert "authorization" not in runway_records[0]["headers"]
    [fal_record] = admin.get("/requests", params={"provider": "fal"}).json()
    assert (fal_record["body_kind"], fal_record["body_size"]) == ("raw", 8)
    assert admin.get("/requests", params={"provider": "nobody"}).status_code == 400


def test_clearing_the_recorder(fal: httpx.Client, admin: httpx.Client) -> None:
    fal.post("/fal-ai/flux/dev", json={"prompt": "x"})
    assert len(admin.get("/requests").json()) == 1
    assert admin.delete("/requests").status_code == 204
    assert admin.get("/requests").json() == []
    # Admin calls themselves are never recorded.
    assert admin.get("/requests").json() == []


def test_stray_requests_get_the_provider_404_and_are_recorded(
    fal: httpx.Client, runway: httpx.Client, admin: httpx.Client
) -> None:
    job = fal.post("/fal-ai/flux/dev", json={"prompt": "x"}).json()
    # A common adapter bug: keeping the endpoint's sub-path in the status URL.
    wrong = fal.get(f"/fal-ai/flux/dev/requests/{job['request_id']}/status")
    assert wrong.status_code == 404
    assert "owner/alias" in wrong.json()["detail"]
    missing = runway.get("/v1/image_to_video")
    assert missing.status_code == 404 and "error" in missing.json()
    records = admin.get("/requests").json()
    assert [(r["provider"], r["method"], r["status"]) for r in records] == [
        ("fal", "POST", 200),
        ("fal", "GET", 404),
        ("runway", "GET", 404),
    ]
