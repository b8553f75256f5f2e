"""The gate: bearer token, loopback Host only, CORS allow-list, body cap, no settings routes."""

import asyncio

import httpx
import pytest

from studio.core.service import Studio
from tests.api.conftest import FLUX, serve


async def test_every_route_but_health_and_docs_needs_the_token(api):
    async with httpx.AsyncClient(base_url=api.url, trust_env=False) as anon:
        health = await anon.get("/health")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        assert (await anon.get("/docs")).status_code == 200
        for method, path in [("GET", "/api/jobs"), ("GET", "/openapi.json"),
                             ("GET", "/api/providers/image/catalog"),
                             ("POST", "/api/providers/image/generate"),
                             ("GET", "/api/jobs/abc"), ("POST", "/api/jobs/abc/cancel"),
                             ("GET", "/api/assets/abc"), ("GET", "/nowhere")]:
            r = await anon.request(method, path)
            assert r.status_code == 401, (method, path)
            assert r.headers["www-authenticate"].startswith("Bearer")
        wrong = await anon.get("/api/jobs", headers={"Authorization": "Bearer " + "x" * 43})
        assert wrong.status_code == 401
        basic = await anon.get("/api/jobs", headers={"Authorization": f"Basic {api.token}"})
        assert basic.status_code == 401
    assert (await api.client.get("/api/jobs")).status_code == 200


async def test_a_foreign_host_header_is_refused_even_with_the_token(api):
    port = api.server.port
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1:1", "localhost"):
        r = await api.client.get("/api/jobs", headers={"Host": host})
        assert r.status_code == 403, host
        assert "127.0.0.1" in r.json()["error"]
    assert (await api.client.get("/health", headers={"Host": "evil.example"})).status_code == 403
    ok = await api.client.get("/api/jobs", headers={"Host": f"localhost:{port}"})
    assert ok.status_code == 200


async def test_cors_only_for_an_allowed_origin(home, memory_keyring):
    studio = Studio(home, env={})
    try:
        async with serve(studio, allowed_origins=["http://localhost:3000"]) as api:
            good, bad = "http://localhost:3000", "https://evil.example"
            r = await api.client.get("/api/jobs", headers={"Origin": good})
            assert r.headers["access-control-allow-origin"] == good
            r = await api.client.get("/api/jobs", headers={"Origin": bad})
            assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
            pre = {"Origin": good, "Access-Control-Request-Method": "POST",
                   "Access-Control-Request-Headers": "authorization, content-type"}
            async with httpx.AsyncClient(base_url=api.url, trust_env=False) as anon:
                r = await anon.options("/api/providers/image/generate", headers=pre)
                assert r.status_code == 204
                assert r.headers["access-control-allow-origin"] == good
                assert "POST" in r.headers["access-control-allow-methods"]
                assert "Authorization" in r.headers["access-control-allow-headers"]
                r = await anon.options("/api/providers/image/generate",
                                       headers={**pre, "Origin": bad})
                assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
    finally:
        await studio.aclose()


async def test_cors_is_off_by_default(api):
    r = await api.client.get("/api/jobs", headers={"Origin": "http://localhost:3000"})
    assert "access-control-allow-origin" not in r.headers


async def _raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return data


async def test_a_huge_body_is_refused_with_413_before_it_is_read(api):
    head = (f"POST /api/providers/image/generate HTTP/1.1\r\nHost: 127.0.0.1:{api.server.port}"
            f"\r\nAuthorization: Bearer {api.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {40 * 1024 * 1024}\r\n\r\n").encode()
    answer = await _raw(api.url, head + b'{"provider": ')
    assert answer.startswith(b"HTTP/1.1 413")
    assert api.studio.store.count_jobs() == 0


async def test_a_chunked_body_over_the_cap_is_refused_with_413(home, memory_keyring):
    studio = Studio(home, env={})
    try:
        async with serve(studio, max_body_bytes=4096) as api:
            async def chunks():
                for _ in range(4):
                    yield b'{"prompt": "' + b"x" * 2000
            r = await api.client.post("/api/providers/image/generate", content=chunks())
            assert r.status_code == 413 and "limited" in r.json()["error"]
            ok = await api.client.post("/api/providers/image/generate", json=FLUX)
            assert ok.status_code == 201
    finally:
        await studio.aclose()


@pytest.mark.parametrize("field", ["api_key", "key", "settings", "features"])
async def test_no_route_accepts_a_key_or_a_setting(api, field):
    r = await api.client.post("/api/providers/image/generate", json={**FLUX, field: "on"})
    assert r.status_code == 422
    assert [f["field"] for f in r.json()["fields"]] == [field]
    assert api.studio.store.count_jobs() == 0


async def test_no_route_changes_settings_or_keys(api):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in ("/api/settings", "/api/keys", "/api/keys/fal", "/api/config"):
            assert (await api.client.request(method, path)).status_code in (404, 405)
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    assert not [p for p in paths if "setting" in p or "key" in p or "config" in p]


async def test_an_asset_outside_the_data_folder_is_never_served(api, tmp_path):
    from studio.core.jobs import Asset, Job

    secret = tmp_path / "elsewhere.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nnot yours")
    api.studio.store.create_job(Job(id="j1", provider="fal", model="m", mode="txt2img",
                                    prompt="p", request={}))
    api.studio.store.add_asset(Asset(id="a1", job_id="j1", path=str(secret), sha256="0",
                                     media_type="image/png", bytes=17))
    r = await api.client.get("/api/assets/a1")
    assert r.status_code == 404 and b"not yours" not in r.content
