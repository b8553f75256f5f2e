"""The sandbox's image hosts and the request shapes it now refuses like the real providers:
fal's storage upload, S3 presigned PUT/GET, pikaframes transitions, Luma Agents 10 s clips."""

from __future__ import annotations

import base64

import boto3
import httpx
from botocore.config import Config
from sandbox_helpers import image_size

from studio.sandbox import SandboxServer
from studio.sandbox.render import render_png

PNG = render_png("in", 1, 32, 24)


def test_fal_storage_token_then_upload_then_fetch(sandbox: SandboxServer,
                                                  fal: httpx.Client) -> None:
    token = fal.post("/_rest/storage/auth/token", params={"storage_type": "fal-cdn-v3"},
                     json={})
    assert token.status_code == 200
    body = token.json()
    assert set(body) == {"token", "token_type", "base_url", "expires_at"}
    assert body["base_url"] == f"{sandbox.url}/fal/_cdn"
    upload = httpx.post(f"{sandbox.url}/fal/_cdn/files/upload", content=PNG,
                        headers={"Authorization": f"{body['token_type']} {body['token']}",
                                 "Content-Type": "image/png", "X-Fal-File-Name": "in.png"})
    url = upload.json()["access_url"]
    assert url.startswith(f"{sandbox.url}/files/") and url.endswith(".png")
    assert httpx.get(url).content == PNG
    # The CDN takes only a token it issued, never the fal key itself.
    refused = httpx.post(f"{sandbox.url}/fal/_cdn/files/upload", content=PNG,
                         headers={"Authorization": "Key fal_test", "Content-Type": "image/png"})
    assert refused.status_code == 401
    wrong = fal.post("/_rest/storage/auth/token", params={"storage_type": "gcs"}, json={})
    assert wrong.status_code == 422


def test_s3_presigned_put_and_get_are_checked(sandbox: SandboxServer) -> None:
    client = boto3.session.Session().client(
        "s3", endpoint_url=f"{sandbox.url}/s3", region_name="us-east-1",
        aws_access_key_id="AKIATEST", aws_secret_access_key="sandbox-key-not-secret",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    params = {"Bucket": "b", "Key": "in/one.png"}
    put = client.generate_presigned_url("put_object", Params={**params, "ContentType":
                                                              "image/png"}, ExpiresIn=60)
    assert httpx.put(put, content=PNG, headers={"Content-Type": "image/png"}).status_code == 200
    get = client.generate_presigned_url("get_object", Params=params, ExpiresIn=60)
    fetched = httpx.get(get)
    assert (fetched.status_code, fetched.content, fetched.headers["content-type"]) == (
        200, PNG, "image/png")
    tampered = httpx.get(get.replace("in/one.png", "in/two.png"))
    assert tampered.status_code == 403 and "SignatureDoesNotMatch" in tampered.text
    assert httpx.get(f"{sandbox.url}/s3/b/in/one.png").status_code == 403  # not presigned
    # The content type is signed: another one is refused.
    other = httpx.put(put, content=PNG, headers={"Content-Type": "image/jpeg"})
    assert other.status_code == 403


def test_pikaframes_transitions_must_be_one_per_move(fal: httpx.Client) -> None:
    urls = [f"data:image/png;base64,{base64.b64encode(PNG).decode()}"] * 3
    body = {"prompt": "boats", "image_urls": urls}
    wrong = fal.post("/fal-ai/pika/v2.2/pikaframes",
                     json={**body, "transitions": [{"duration": 5}] * 3})
    assert wrong.status_code == 422
    [detail] = wrong.json()["detail"]
    assert detail["loc"] == ["body", "transitions"]
    assert detail["msg"] == "Length must be len(image_urls) - 1 = 2, got 3"
    ok = fal.post("/fal-ai/pika/v2.2/pikaframes",
                  json={**body, "transitions": [{"duration": 5}] * 2})
    assert ok.status_code == 200


def test_luma_agents_ten_second_clips_are_text_to_video_only(sandbox: SandboxServer) -> None:
    agents = httpx.Client(base_url=f"{sandbox.url}/luma_agents",
                          headers={"Authorization": "Bearer k"})
    frame = {"data": base64.b64encode(PNG).decode(), "media_type": "image/png"}
    video = {"duration": "10s", "resolution": "540p"}
    base = {"prompt": "waves", "model": "ray-3.2", "type": "video"}
    for extra, words in (({"loop": True}, "video.loop: not supported with duration=10s"),
                         ({"start_frame": frame}, "video.start_frame: 10s clips are "
                                                  "text-to-video only")):
        refused = agents.post("/generations", json={**base, "video": {**video, **extra}})
        assert (refused.status_code, refused.json()["error"]["message"]) == (400, words)
    assert agents.post("/generations", json={**base, "video": video}).status_code == 201
    five = {**video, "duration": "5s", "loop": True, "start_frame": frame}
    assert agents.post("/generations", json={**base, "video": five}).status_code == 201
    assert image_size(PNG) == ("PNG", 32, 24)
