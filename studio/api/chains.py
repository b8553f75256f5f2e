"""/api/chains: make (and run) a video chain, list chains, read one, cancel one.

A chain runs in the background on the server's loop; a dry-run chain (the provider's
family off, or no key) is recorded before the answer. With a `webhook`, every stage calls
it when it ends: each link's job (the usual job-finished call) and then the film's job.
The start image is a data URI, an asset id or an https URL (no file paths, like generate).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from studio.api.openapi import Operation
from studio.api.routes import ApiContext, ApiError, _ctx, check_webhook, invalid, read_body, reply
from studio.api.spend_check import budget_refusal
from studio.api.uploads import TooManyPixels, decode_images, save_images
from studio.core.requests import FieldError, RequestError
from studio.core.sequences.chain_store import Chain, ChainStatus
from studio.core.sequences.chain_view import chain_dict
from studio.core.sequences.chains import MAX_LINKS, ChainError
from studio.providers.base import Kind, Mode, RenderRequest


class ChainCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "provider": "runway", "model": "gen4_turbo", "image": "data:image/png;base64,...",
        "prompts": ["waves at dusk"], "links": 3, "parameters": {"duration": 5}}]})

    provider: str = Field(min_length=1, max_length=100)
    model: str = Field(min_length=1, max_length=300, description="An image-to-video model")
    image: str = Field(min_length=1, max_length=30_000_000,
                       description="The start image: a data URI, an asset id or an https URL")
    prompts: list[str] = Field(min_length=1, max_length=MAX_LINKS,
                               description="One per link, or one repeated `links` times")
    links: int | None = Field(None, ge=1, le=MAX_LINKS)
    parameters: dict[str, Any] = Field(default_factory=dict)
    seed: int | None = Field(None, ge=0, le=4_294_967_294)
    negative_prompt: str | None = Field(None, max_length=10_000)
    webhook: str | None = Field(None, max_length=2048,
                                description="Called as each link's job ends, then the film's")


class ChainInput(BaseModel):
    path: str | None = None
    sha256: str | None = None
    asset_id: str | None = None
    placeholder: bool = False


class ChainOutput(BaseModel):
    asset_id: str
    path: str
    sha256: str
    duration_seconds: float | None = None


class ChainLinkOut(BaseModel):
    index: int
    job_id: str | None
    status: str
    prompt: str
    input_image: ChainInput | None
    output: ChainOutput | None
    dry_run: bool | None = None
    attempts: list[str]
    error: str | None = None


class ChainFinal(BaseModel):
    asset_id: str
    path: str
    sha256: str
    duration_seconds: float | None
    width: int | None
    height: int | None


class ChainOut(BaseModel):
    chain_id: str
    status: str
    provider: str
    model: str
    created_at: float
    updated_at: float
    error: str | None
    links: list[ChainLinkOut]
    final: ChainFinal | None


class ChainList(BaseModel):
    items: list[ChainOut]


def _out(ctx: ApiContext, chain: Chain) -> dict[str, Any]:
    return chain_dict(chain, ctx.studio.store)


async def create_chain(request: Request) -> Response:
    ctx = _ctx(request)
    body = await read_body(request, ChainCreate)
    studio = ctx.studio
    check_webhook(request, body.webhook)
    try:
        prompts = studio.chains.check(body.provider, body.model, body.prompts,
                                      links=body.links)
    except ChainError as exc:
        raise invalid([FieldError("model" if "model" in str(exc) else "prompts",
                                  str(exc))]) from None
    image = await _image_ref(ctx, body.image)
    stop = budget_refusal(request, [RenderRequest(  # the whole chain, before link 1 is sent
        provider=body.provider, model=body.model, mode=Mode.IMG2VIDEO, prompt=p,
        negative_prompt=body.negative_prompt, seed=body.seed, params=body.parameters,
        input_images=[image]) for p in prompts])
    if stop is not None:
        if body.image.strip().startswith("data:"):
            Path(image).unlink(missing_ok=True)  # the upload goes too: nothing is kept
        return stop
    try:
        chain = studio.chains.create(body.provider, body.model, image, body.prompts,
                                     links=body.links, params=body.parameters, seed=body.seed,
                                     negative_prompt=body.negative_prompt)
    except ChainError as exc:
        raise invalid([FieldError("image", str(exc))]) from None
    url = body.webhook

    def on_job(_index: int, job_id: str) -> None:
        if url:
            ctx.webhooks.register(job_id, url)

    task = studio.chains.start(chain.id, on_job=on_job)
    if url:
        task.add_done_callback(lambda t: _film_webhook(ctx, t, url))
    if not studio.decision(body.provider, Kind.VIDEO).live:
        # A dry-run records every link at once: answer with them. A link whose request
        # the provider cannot take fails the chain, as a 422 here.
        chain = await asyncio.shield(task)
        failed = next((lk for lk in chain.links if lk.status.value == "failed"), None)
        if chain.status is ChainStatus.FAILED and failed is not None and not failed.job_id:
            raise invalid([FieldError("parameters", failed.error or "invalid")])
    else:
        await asyncio.sleep(0)  # link 1 is on its way
        chain = studio.chains.get(chain.id)
    return reply(request, _out(ctx, chain), 201,
                 headers={"Location": f"/api/chains/{chain.id}"})


def _film_webhook(ctx: ApiContext, task: asyncio.Task[Chain], url: str) -> None:
    if task.cancelled() or task.exception() is not None:
        return
    chain = task.result()
    film = ctx.studio.store.get_asset(chain.final_asset_id) if chain.final_asset_id else None
    if film is not None:
        ctx.webhooks.register(film.job_id, url)


async def _image_ref(ctx: ApiContext, text: str) -> str:
    """A data URI saved as an upload, an asset id, or an https URL; never a file path."""
    text = text.strip()
    if text.startswith("data:"):
        try:
            images = await asyncio.to_thread(decode_images, [text], field="image")
        except TooManyPixels as exc:
            raise ApiError(413, "; ".join(str(e) for e in exc.errors), exc.errors) from None
        except RequestError as exc:
            raise invalid(exc.errors) from None
        paths, _ = await asyncio.to_thread(save_images, images, ctx.inputs_dir)
        return paths[0]
    if text.startswith("https://"):
        return text
    asset = ctx.studio.iteration.find_asset(text)
    if asset is None:
        raise invalid([FieldError("image", "expected a data URI, an asset id or an https URL "
                                           "(file paths are not accepted)")])
    return f"asset:{asset.id}"


async def list_chains(request: Request) -> Response:
    ctx = _ctx(request)
    return reply(request, {"items": [_out(ctx, c) for c in ctx.studio.chains.recent(100)]})


def _chain_or_404(ctx: ApiContext, chain_id: str) -> Chain:
    try:
        return ctx.studio.chains.get(chain_id)
    except ChainError:
        raise ApiError(404, f"no chain {chain_id!r}") from None


async def get_chain(request: Request) -> Response:
    ctx = _ctx(request)
    return reply(request, _out(ctx, _chain_or_404(ctx, request.path_params["chain_id"])))


async def cancel_chain(request: Request) -> Response:
    ctx = _ctx(request)
    chain = _chain_or_404(ctx, request.path_params["chain_id"])
    if chain.status not in (ChainStatus.RUNNING, ChainStatus.PENDING):
        raise ApiError(409, f"chain {chain.id} is not running ({chain.status.value})")
    await ctx.studio.chains.cancel(chain.id)
    task_done = not ctx.studio.chains.running(chain.id)
    if not task_done:
        await asyncio.sleep(0.05)
    return reply(request, _out(ctx, ctx.studio.chains.get(chain.id)))


CHAIN_OPERATIONS: list[Operation] = [
    Operation("POST", "/api/chains", create_chain, "Make and run a video chain: link k+1 "
              "starts from the last frame of link k; the clips are stitched into one film",
              ChainOut, ChainCreate, status=201, errors=(400, 402, 413, 422), tag="chains"),
    Operation("GET", "/api/chains", list_chains, "Recent chains, newest first", ChainList,
              tag="chains"),
    Operation("GET", "/api/chains/{chain_id}", get_chain, "One chain: its links (job, "
              "input frame, clip) and the film", ChainOut, errors=(404,), tag="chains"),
    Operation("POST", "/api/chains/{chain_id}/cancel", cancel_chain, "Cancel the running "
              "link; finished links are kept", ChainOut, errors=(404, 409), tag="chains"),
]
