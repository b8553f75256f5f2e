"""The image host and input references: which host is missing is said in the dry-run reason,
uploads are recorded without credentials, URL and asset inputs, and fal's storage protocol."""

import httpx
import pytest
from PIL import Image

from studio.core.config import set_value
from studio.core.image_host import S3Host
from studio.core.jobs import JobStatus
from studio.core.requests import RequestError
from studio.core.service import Studio
from studio.providers.base import InputImage, RenderRequest
from studio.providers.fal_storage import FalStorage, StorageHosts, storage_hosts
from tests.conftest import TEST_KEY, sandbox_requests, scan_for_secret

S3_SECRET_VALUE = "s3-secret-9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def png(tmp_path, name="in.png", size=(64, 48)):
    path = tmp_path / name
    Image.new("RGB", size, (120, 30, 200)).save(path)
    return path


def luma_request(*images):
    return RenderRequest(provider="luma", model="photon-1", prompt="a lighthouse",
                         input_images=[str(i) for i in images])


def live(studio, **image_host):
    settings = set_value(studio.settings, "features.enable_public_image_providers", "true")
    for name, value in image_host.items():
        settings = set_value(settings, f"image_host.{name}", value)
    studio.update_settings(settings)
    return studio


@pytest.mark.parametrize(("env", "host", "words"), [
    ({"LUMA_API_KEY": TEST_KEY}, {}, "no image host: Luma Dream Machine fetches input images "
                                     "by URL; choose one in Settings › image host "
                                     "(image_host.host: s3, fal)"),
    ({"LUMA_API_KEY": TEST_KEY}, {"host": "fal"},
     "image host fal.ai storage needs its key (FAL_KEY)"),
    ({"LUMA_API_KEY": TEST_KEY}, {"host": "s3", "s3_bucket": "b"},
     "image host s3 is not set up: Luma Dream Machine fetches input images by URL; missing "
     "s3_access_key_id, the secret (STUDIO_IMAGE_HOST_S3_SECRET or the keyring)"),
    ({"LUMA_API_KEY": TEST_KEY}, {"host": "runway"},
     "image host 'runway' is not a provider that hosts images"),
])
async def test_a_missing_host_keeps_the_job_a_dry_run_and_names_it(
        home, memory_keyring, tmp_path, env, host, words):
    studio = live(Studio(home, env=env), **host)
    try:
        job = await studio.submit(luma_request(png(tmp_path)))
    finally:
        await studio.aclose()
    assert job.status is JobStatus.DRY_RUN
    assert job.dry_run_reason.startswith(words)
    url = job.prepared["body"]["image_ref"][0]["url"]
    assert url.startswith("<upload of in.png sha256:")
    assert job.prepared["inputs"][0]["sha256"] == job.input_hashes[0]


async def test_text_only_jobs_need_no_host(home, memory_keyring):
    studio = live(Studio(home, env={"LUMA_API_KEY": TEST_KEY}))
    try:
        request = RenderRequest(provider="luma", model="photon-1", prompt="x")
        assert studio.image_host.unavailable(studio.settings.image_host,
                                             studio.providers["luma"])
        call = studio.prepare(studio.check(request))
        assert "image_ref" not in call.json_body
    finally:
        await studio.aclose()


@pytest.fixture(scope="module")
def s3_sandbox():
    """A sandbox whose S3 knows our test secret, driven like real services (no sandbox mode)."""
    from studio.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(queue_seconds=0, run_seconds=0.2,
                                     s3_secret=S3_SECRET_VALUE)) as server:
        yield server


def real_studio(home, server, secret):
    env = {"LUMA_API_KEY": TEST_KEY, "STUDIO_LUMA_BASE_URL": f"{server.url}/luma",
           "STUDIO_IMAGE_HOST_S3_SECRET": secret}
    return live(Studio(home, env=env), host="s3", s3_bucket="inputs",
                s3_access_key_id="AKIATEST", s3_prefix="p/",
                s3_endpoint_url=f"{server.url}/s3")


async def test_s3_uploads_keep_the_secret_out_of_every_record(home, memory_keyring,
                                                              s3_sandbox, tmp_path):
    studio = real_studio(home, s3_sandbox, S3_SECRET_VALUE)
    try:
        job = await studio.wait((await studio.submit(luma_request(png(tmp_path)))).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert job.prepared["inputs"][0]["uploaded"]["host"] == "s3://inputs"
    finally:
        await studio.aclose()
    [put] = [r for r in sandbox_requests(s3_sandbox, "s3") if r["status"] == 200][-1:]
    assert put["path"].startswith("/s3/inputs/p/")
    root = tmp_path / "home"
    assert scan_for_secret(root, S3_SECRET_VALUE) == []
    assert scan_for_secret(root, TEST_KEY) == []


async def test_a_failed_upload_fails_the_job_before_the_provider_sees_it(
        home, memory_keyring, s3_sandbox, tmp_path):
    before = len(sandbox_requests(s3_sandbox, "luma"))
    studio = real_studio(home, s3_sandbox, "wrong-secret-0123456789")
    try:
        job = await studio.submit(luma_request(png(tmp_path)))
    finally:
        await studio.aclose()
    assert job.status is JobStatus.FAILED and job.error_code == "image_host"
    assert job.error.startswith("could not upload an input image to the image host "
                                "(s3://inputs)")
    assert "SignatureDoesNotMatch" in job.error and "wrong-secret" not in job.error
    assert len(sandbox_requests(s3_sandbox, "luma")) == before  # Luma never asked


def test_s3_keys_are_content_addressed_and_presigned_for_the_bucket():
    from studio.core.config import ImageHostSettings

    host = S3Host(ImageHostSettings(host="s3", s3_bucket="b", s3_access_key_id="AKIA",
                                    s3_endpoint_url="https://s3.example.com",
                                    s3_region="eu-west-1"), "secret")
    image = InputImage("x.webp", "image/webp", b"RIFF0000WEBP", "ab" * 32)
    assert host.key_for(image) == "provider-studio/" + "ab" * 32 + ".webp"
    put, get = host.presign(image)
    assert put.startswith(f"https://s3.example.com/b/provider-studio/{'ab' * 32}.webp?")
    assert "X-Amz-Credential=AKIA%2F" in put and "eu-west-1" in put
    assert "content-type" in put.split("X-Amz-SignedHeaders=")[1].split("&")[0]
    assert "X-Amz-Expires=3600" in get and "secret" not in put + get


# ---- inputs: https URLs and assets -------------------------------------------------------


async def test_https_inputs_are_refused_where_the_provider_takes_files_only(home,
                                                                           memory_keyring):
    studio = Studio(home, env={})
    try:
        with pytest.raises(RequestError) as info:
            studio.check(RenderRequest(provider="stability", model="ultra", prompt="x",
                                       input_images=["https://example.com/a.png"]))
        [error] = info.value.errors
        assert error.field == "input_images.0"
        assert error.message == ("Stability AI takes image files, not URLs: give a local file "
                                 "or an asset")
        with pytest.raises(RequestError, match="must be an https:// URL"):
            studio.check(RenderRequest(provider="fal", model="fal-ai/flux/dev/image-to-image",
                                       prompt="x", input_images=["http://example.com/a.png"]))
        ok = studio.check(RenderRequest(provider="fal", model="fal-ai/flux/dev/image-to-image",
                                        prompt="x", input_images=["https://e.com/a.png"]))
        assert ok.images[0].url == "https://e.com/a.png" and ok.images[0].data == b""
    finally:
        await studio.aclose()


async def test_an_asset_can_be_an_input_by_its_id(home, memory_keyring, tmp_path):
    from studio.core.jobs import Asset, Job

    studio = Studio(home, env={})
    try:
        source = png(tmp_path, "out.png", (1600, 1200))
        studio.store.create_job(Job("j1", "fal", "fal-ai/flux/dev", "txt2img", "p", {}))
        studio.store.add_asset(Asset("a1", "j1", str(source), "00" * 32, "image/png", 10))
        request = RenderRequest(provider="fal", model="fal-ai/flux/dev/image-to-image",
                                prompt="x", input_images=["asset:a1"])
        checked = studio.check(request)
        assert (checked.images[0].width, checked.images[0].height) == (1600, 1200)
        # The estimate sees the asset's size: 1600x1200 is 2 megapixels at fal.
        assert studio.estimate(request).usd == pytest.approx(0.05)
        with pytest.raises(RequestError, match="no asset 'nope' in this studio"):
            studio.check(request.model_copy(update={"input_images": ["asset:nope"]}))
    finally:
        await studio.aclose()


# ---- fal storage, the protocol of fal's own client -----------------------------------------


async def test_fal_storage_reuses_its_token_until_it_expires():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/storage/auth/token":
            return httpx.Response(200, json={"token": "cdn-tok", "token_type": "Bearer",
                                             "base_url": "https://v3.fal.media",
                                             "expires_at": "2099-01-01T00:00:00+00:00"})
        return httpx.Response(200, json={"access_url": f"https://v3.fal.media/f/{len(seen)}"})

    storage, image = FalStorage(), InputImage("a.png", "image/png", b"\x89PNG..", "ab" * 32)
    hosts = storage_hosts("https://queue.fal.run", sandbox=False)
    assert hosts == StorageHosts("https://rest.fal.ai", "https://v3.fal.media")
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        first = await storage.upload(http, hosts, TEST_KEY, image)
        second = await storage.upload(http, hosts, TEST_KEY, image)
    assert (first, second) == ("https://v3.fal.media/f/2", "https://v3.fal.media/f/3")
    token, upload = seen[0], seen[1]
    assert str(token.url) == "https://rest.fal.ai/storage/auth/token?storage_type=fal-cdn-v3"
    assert token.headers["authorization"] == f"Key {TEST_KEY}" and token.content == b"{}"
    assert str(upload.url) == "https://v3.fal.media/files/upload"
    assert (upload.headers["authorization"], upload.headers["content-type"],
            upload.headers["x-fal-file-name"], upload.content) == (
        "Bearer cdn-tok", "image/png", "a.png", b"\x89PNG..")
    assert len(seen) == 3  # one token for both uploads


def test_the_s3_secret_lives_in_the_keyring_and_is_redacted(home, memory_keyring):
    from studio.core.image_host import S3_SECRET

    studio = Studio(home, env={})
    studio.store_image_host_secret(S3_SECRET_VALUE)
    assert memory_keyring.items[("provider-studio", "image-host-s3")] == S3_SECRET_VALUE
    assert studio.keys.lookup(S3_SECRET).present
    assert S3_SECRET_VALUE not in studio.redactor.text(f"signing with {S3_SECRET_VALUE}")
    live(studio, host="s3", s3_bucket="b", s3_access_key_id="AKIA")  # settings written
    assert S3_SECRET_VALUE not in studio.paths.config_file.read_text()
    assert studio.image_host.unavailable(studio.settings.image_host,
                                         studio.providers["luma"]) is None
