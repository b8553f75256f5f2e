"""Fault switches for output downloads: bodies cut short with and without a length,
connections dropped, status polls dropped, each aimed at one provider."""

import io

import httpx
import pytest
from PIL import Image
from sandbox_helpers import advance, freeze

FLUX = "/fal-ai/flux/schnell"


def _finished_fal_file(fal: httpx.Client, admin: httpx.Client) -> str:
    freeze(admin)
    job = fal.post(FLUX, json={"prompt": "x"}).json()
    advance(admin, 5)
    return fal.get(job["response_url"]).json()["images"][0]["url"]


def test_truncated_with_length_is_shorter_than_promised(fal, admin):
    url = _finished_fal_file(fal, admin)
    whole = httpx.get(url).content
    admin.post("/faults", json={"truncate_download": 1}).raise_for_status()
    with pytest.raises(httpx.RemoteProtocolError, match=f"expected {len(whole)}"):
        httpx.get(url)
    assert httpx.get(url).content == whole  # one use only
    assert [d["outcome"] for d in admin.get("/downloads").json()] == ["whole", "cut", "whole"]


def test_truncated_without_length_ends_cleanly_but_does_not_decode(fal, admin):
    url = _finished_fal_file(fal, admin)
    admin.post("/faults", json={"truncate_download": {"count": 1, "content_length": False,
                                                      "fraction": 0.6}}).raise_for_status()
    response = httpx.get(url)
    assert response.status_code == 200 and "content-length" not in response.headers
    with pytest.raises(OSError), Image.open(io.BytesIO(response.content)) as im:
        im.load()


def test_reset_drops_the_connection(fal, admin):
    url = _finished_fal_file(fal, admin)
    admin.post("/faults", json={"reset_download": {"count": 1, "fraction": 0.3}})
    with pytest.raises(httpx.RemoteProtocolError, match=r"received [1-9]"):
        httpx.get(url)


def test_skip_lets_the_first_downloads_through(fal, admin):
    url = _finished_fal_file(fal, admin)
    admin.post("/faults", json={"truncate_download": {"count": 1, "skip": 2}})
    httpx.get(url).raise_for_status()
    httpx.get(url).raise_for_status()
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url)


def test_download_faults_aim_at_one_provider(fal, admin):
    url = _finished_fal_file(fal, admin)
    admin.post("/faults", json={"truncate_download": {"count": 1, "provider": "runway"}})
    assert httpx.get(url).status_code == 200  # a fal file: not cut
    assert admin.get("/faults").json()["truncate_download"][0]["count"] == 1


def test_stability_image_answer_can_be_cut(stability, admin):
    admin.post("/faults", json={"truncate_download": {"count": 1, "content_length": False,
                                                      "provider": "stability"}})
    response = stability.post("/v2beta/stable-image/generate/core",
                              files={"prompt": (None, "x"), "output_format": (None, "png")})
    assert response.status_code == 200 and "content-length" not in response.headers
    with pytest.raises(OSError), Image.open(io.BytesIO(response.content)) as im:
        im.load()


def test_drop_poll_drops_a_status_check(fal, admin):
    job = fal.post(FLUX, json={"prompt": "x"}).json()
    admin.post("/faults", json={"drop_poll": 1}).raise_for_status()
    with pytest.raises(httpx.RemoteProtocolError):
        fal.get(job["status_url"])
    assert fal.get(job["status_url"]).status_code == 200


@pytest.mark.parametrize("spec", [
    {"truncate_download": {"fraction": 1}},
    {"truncate_download": {"content_length": "no"}},
    {"reset_download": {"skip": -1}},
    {"reset_download": {"content_length": False}},
    {"drop_poll": {"fraction": 0.5}},
])
def test_bad_download_fault_specs_are_refused(admin, spec):
    assert admin.post("/faults", json=spec).status_code == 400
