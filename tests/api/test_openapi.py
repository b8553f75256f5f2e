"""/openapi.json documents every route with its schemas; /docs works offline."""

import re

from starlette.routing import Route

from studio.api.auth import ApiToken
from studio.api.server import build_app
from studio.api.webhooks import WebhookDispatcher


async def test_openapi_lists_every_route_of_the_app(api):
    doc = (await api.client.get("/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    app = build_app(api.studio, ApiToken(api.studio.keys), WebhookDispatcher(api.studio, str),
                    port=1).app  # the Starlette app behind the guard
    served = {(m, r.path) for r in app.routes if isinstance(r, Route)
              for m in r.methods or () if m != "HEAD"}
    documented = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert served == documented
    assert {p for _, p in served} >= {
        "/health", "/openapi.json", "/docs", "/api/providers/image/catalog",
        "/api/providers/video/catalog", "/api/providers/image/generate",
        "/api/providers/video/generate", "/api/jobs", "/api/jobs/{job_id}",
        "/api/jobs/{job_id}/cancel", "/api/assets/{asset_id}",
        "/api/assets/{asset_id}/provenance"}


async def test_openapi_schemas_describe_bodies_and_answers(api):
    doc = (await api.client.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]

    def resolve(ref):
        return schemas[ref["$ref"].rsplit("/", 1)[1]]

    video = doc["paths"]["/api/providers/video/generate"]["post"]
    body = resolve(video["requestBody"]["content"]["application/json"]["schema"])
    assert {"provider", "model", "prompt", "webhook", "duration_seconds", "resolution",
            "input_images", "mask"} <= set(body["properties"])
    assert body["additionalProperties"] is False
    answer = resolve(video["responses"]["201"]["content"]["application/json"]["schema"])
    assert {"dry_run", "job_id", "estimates", "remote_id"} <= set(answer["properties"])
    assert "422" in video["responses"] and "413" in video["responses"]
    jobs = doc["paths"]["/api/jobs"]["get"]
    assert {p["name"] for p in jobs["parameters"]} == {"status", "limit", "offset"}
    page = resolve(jobs["responses"]["200"]["content"]["application/json"]["schema"])
    assert {"items", "total", "limit", "offset", "has_more"} <= set(page["properties"])
    asset = doc["paths"]["/api/assets/{asset_id}"]["get"]
    assert asset["parameters"][0] == {"name": "asset_id", "in": "path", "required": True,
                                      "schema": {"type": "string"}}
    assert doc["paths"]["/health"]["get"]["security"] == []
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_docs_page_is_self_contained(api):
    r = await api.client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "/openapi.json" in page and "Authorization" in page
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page)  # nothing from a CDN
    assert "default-src 'self'" in r.headers["content-security-policy"]
