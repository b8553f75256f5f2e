"""A whole provider in one module, as docs/adding-a-provider.md describes: its declaration,
one model with a price rule, the calls, and the sandbox routes that emulate it.

Registered without touching the studio: `STUDIO_PROVIDER_MODULES=tests.providers.toy_provider`
for a Studio, `SandboxConfig(provider_modules=(...,))` for the sandbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal

import httpx
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from studio.providers.base import (
    Bill,
    Capabilities,
    ComplianceGate,
    Failed,
    InputImage,
    KeySpec,
    Kind,
    Mode,
    ModelInfo,
    ParamsBase,
    Pending,
    PollResult,
    PreparedCall,
    Price,
    PriceSource,
    Provider,
    ProviderContext,
    ProviderError,
    ProviderInfo,
    RemoteHandle,
    RemoteOutput,
    RenderRequest,
    Submitted,
    Succeeded,
)
from studio.providers.http import parse_json, send

PRICES = PriceSource("https://toy.example.com/pricing", "2026-12-06", first_party=True)


class ToyParams(ParamsBase):
    size: Literal["small", "large"] = Field("small", description="Output size")


def _price(bill: Bill) -> Price:
    usd = 0.01 if bill.params.size == "small" else 0.04
    return Price(usd=usd, approximate=False, source=PRICES, basis=f"${usd} per image")


MODELS = {"toy-1": ModelInfo("toy-1", "Toy One", (Mode.TXT2IMG,), ToyParams, _price,
                             Capabilities(seed=False), "A provider in one module",
                             source="https://toy.example.com/api")}


class ToyProvider(Provider):
    info = ProviderInfo(
        id="toy",
        name="Toy Images",
        kinds=(Kind.IMAGE,),
        key=KeySpec(env=("TOY_API_KEY",), keyring_entry="toy"),
        docs_url="https://toy.example.com/api",
        pricing_url="https://toy.example.com/pricing",
        default_base_url="https://api.toy.example.com",
        compliance=ComplianceGate("Toy terms accepted", "accept the toy terms in Settings"),
        sandbox="tests.providers.toy_provider:sandbox_routes",
        price_sources=(PRICES,),
    )
    models = MODELS

    def build(self, request: RenderRequest, params: ParamsBase,
              images: Sequence[InputImage], ctx: ProviderContext) -> PreparedCall:
        assert isinstance(params, ToyParams)
        return PreparedCall("POST", f"{ctx.base_url}/generate",
                            {"Authorization": f"Bearer {ctx.key or ''}"},
                            json_body={"prompt": request.prompt, "size": params.size})

    async def submit(self, http: httpx.AsyncClient, call: PreparedCall,
                     ctx: ProviderContext) -> Submitted:
        body = parse_json(await send(http, call.method, call.url, "Toy submit",
                                     **call.send_kwargs()), "Toy submit")
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise ProviderError("Toy submit: no id", code="malformed_response")
        return Submitted(RemoteHandle(body["id"]), raw=body)

    async def poll(self, http: httpx.AsyncClient, handle: RemoteHandle,
                   ctx: ProviderContext) -> PollResult:
        response = await send(http, "GET", f"{ctx.base_url}/jobs/{handle.remote_id}",
                              "Toy status", headers={"Authorization": f"Bearer {ctx.key}"})
        job = parse_json(response, "Toy status")
        if job.get("state") == "done":
            return Succeeded([RemoteOutput(url=job["url"])], raw=job)
        if job.get("state") == "failed":
            return Failed("Toy: failed", raw=job)
        return Pending("running", raw=job)


PROVIDER = ToyProvider


def sandbox_routes(state) -> list[Route]:
    """The toy protocol: POST /generate -> {id}; GET /jobs/{id} -> done with a real PNG."""
    from studio.sandbox.gateway import Dialect, file_url, provider_route
    from studio.sandbox.render import render_png

    def authorize(request: Request) -> Response | None:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return JSONResponse({"error": "no key"}, status_code=401)
        return None

    dialect = Dialect("toy", authorize, lambda s, m: JSONResponse({"error": m}, status_code=s))
    jobs: dict[str, str] = {}

    async def generate(request: Request, body: bytes) -> Response:
        job_id = uuid.uuid4().hex
        name = f"toy-{job_id}.png"
        state.files.register(name, "image/png", lambda: render_png("toy", 1, 64, 48))
        jobs[job_id] = name
        return JSONResponse({"id": job_id})

    async def job(request: Request, body: bytes) -> Response:
        name = jobs.get(request.path_params["job_id"])
        if name is None:
            return JSONResponse({"error": "no such job"}, status_code=404)
        return JSONResponse({"state": "done", "url": file_url(request, name)})

    return [provider_route(state, dialect, "/generate", generate, ["POST"]),
            provider_route(state, dialect, "/jobs/{job_id}", job, ["GET"], is_poll=True)]
