"""Saving outputs: type checks, size cap, atomic rename, nothing half-written."""

import base64
import hashlib
import io

import httpx
import pytest
from PIL import Image

from studio.core.downloads import DownloadError, RetryPolicy, save_output
from studio.providers.base import RemoteOutput


def png_bytes(size=(8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buf, "PNG")
    return buf.getvalue()


def client(body: bytes, content_type: str, status: int = 200) -> httpx.AsyncClient:
    def handler(request):
        return httpx.Response(status, content=body, headers={"content-type": content_type})
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_streams_hashes_and_names_by_real_type(tmp_path):
    data = png_bytes()
    async with client(data, "image/png") as http:
        saved = await save_output(http, RemoteOutput(url="https://cdn/x"), tmp_path, "00",
                                  max_bytes=10_000)
    assert saved.path == tmp_path / "00.png" and saved.path.read_bytes() == data
    assert saved.sha256 == hashlib.sha256(data).hexdigest()
    assert [p.name for p in tmp_path.iterdir()] == ["00.png"]


@pytest.mark.parametrize(("body", "ctype", "code"), [
    (b"<html>login</html>", "text/html", "wrong_type"),
    (b"not really a png at all", "image/png", "wrong_type"),
    (b"", "image/png", "empty_output"),
    (png_bytes((64, 64)), "image/png", "too_large"),
])
async def test_bad_downloads_leave_nothing_behind(tmp_path, body, ctype, code):
    async with client(body, ctype) as http:
        with pytest.raises(DownloadError) as info:
            await save_output(http, RemoteOutput(url="https://cdn/x"), tmp_path, "00",
                              max_bytes=150, retry=RetryPolicy(attempts=1))
    assert info.value.code == code
    assert list(tmp_path.iterdir()) == []


async def test_http_error_on_download_is_reported(tmp_path):
    async with client(b'{"detail": "expired"}', "application/json", status=403) as http:
        with pytest.raises(Exception, match="HTTP 403"):
            await save_output(http, RemoteOutput(url="https://cdn/x"), tmp_path, "00",
                              max_bytes=1000)
    assert list(tmp_path.iterdir()) == []


async def test_data_uri_outputs(tmp_path):
    data = png_bytes()
    uri = "data:image/png;base64," + base64.b64encode(data).decode()
    async with client(b"", "x/y") as http:
        saved = await save_output(http, RemoteOutput(url=uri), tmp_path, "01",
                                  max_bytes=10_000)
        assert saved.path.read_bytes() == data
        with pytest.raises(DownloadError):
            await save_output(http, RemoteOutput(url="data:image/png;base64,@@@"), tmp_path,
                              "02", max_bytes=10_000)
