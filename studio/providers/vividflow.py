"""Vivid Flow: a hosted image-to-video job API (Wan 2.1 and Veo 3.1 behind one interface).

Source: Vivid Flow's published API document (v2.0). POST /generate (multipart: an `image`
file or an `image_url`, https or gs://bucket/path, sent as given) answers 202 with a job_id;
GET /status/{id} until completed (result_url, metrics {generation_time, spin_up_time,
total_time} in seconds, no cost field) or failed (error_message); POST /cancel/{id} works on
queued jobs only. A 429 carries `retry_after` seconds in its JSON body, which we honour
exactly. Wan 2.1 documents only cfg's range (1-20); Veo 3.1's duration_seconds defaults to 4.
No price is published: the estimate counts one credit per job (what the document's usage
example fits), and the actual cost is the change in /usage credits_remaining.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import Field, field_validator

from studio.providers.base import (
    Bill,
    Capabilities,
    Failed,
    FilePart,
    InputImage,
    KeySpec,
    Kind,
    Mode,
    ModelInfo,
    ParamsBase,
    Pending,
    PollHint,
    PollResult,
    PreparedCall,
    Price,
    PriceSource,
    Provider,
    ProviderContext,
    ProviderError,
    ProviderInfo,
    Quota,
    RemoteHandle,
    RemoteOutput,
    RenderRequest,
    Submitted,
    Succeeded,
)
from studio.providers.http import json_object, parse_json, raise_for_status, send

CREDITS_PER_JOB = 1.0  # our assumption: Vivid Flow publishes no price list
LOW_CREDITS = 5.0
MAX_HISTORY = 100
API_DOCUMENT = PriceSource("https://vivid.studioionique.com/api/v1", "2026-11-21",
                           first_party=True,
                           note="API document v2.0: no prices; /usage counts credits")
FRIENDLY_ERRORS = {
    400: "Vivid Flow rejected the request",
    401: "Vivid Flow refused the key: check VIVIDFLOW_API_KEY in Settings",
    403: "the key may not do this, or the account's credits are used up",
    404: "Vivid Flow does not know this job",
    429: "rate limited by Vivid Flow",
}


def https_url(url: str) -> str:
    """gs://bucket/path -> https://storage.googleapis.com/bucket/path, to download a result;
    others unchanged. Inputs are sent as given: the API takes gs:// itself."""
    if url.startswith("gs://"):
        return "https://storage.googleapis.com/" + url[len("gs://"):]
    return url


class ImageSource(ParamsBase):
    image_url: str = Field("", max_length=2048, description=(
        "Instead of an input image: an https:// URL or gs://bucket/path"))

    @field_validator("image_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("gs://") and "/" in value[len("gs://"):].strip("/"):
            return value
        if value and not (value.startswith("https://") and urlsplit(value).hostname):
            raise ValueError("use an https:// URL or gs://bucket/path")
        return value


class WanParams(ImageSource):
    # Only cfg's range is documented; the others just have to be positive numbers.
    cfg: float = Field(7.5, ge=1.0, le=20.0, description="How closely to follow the prompt")
    width: int = Field(1280, ge=1, description="Width in pixels")
    height: int = Field(720, ge=1, description="Height in pixels")
    length: int = Field(81, ge=1, description="Frames")
    steps: int = Field(30, ge=1, description="Denoising steps")


class VeoParams(ImageSource):
    duration_seconds: Literal[4, 6, 8] = Field(4, description="Clip length in seconds")
    resolution: Literal["720p", "1080p"] = Field("720p", description="Output resolution")
    camera_motion: str = Field("", max_length=200, description="e.g. slow dolly in")
    subject_animation: str = Field("", max_length=200, description="How the subject moves")
    environmental_animation: str = Field("", max_length=200,
                                         description="How the surroundings move")
    enhance_prompt: bool = Field(False, description="Let the provider rewrite the prompt")


def _per_job(_: Bill) -> Price:
    return Price(usd=None, credits=CREDITS_PER_JOB, source=API_DOCUMENT,
                 basis="no published price; counted as 1 credit per job against the "
                       "account's credits (the API document's usage example fits that)")


MODELS: dict[str, ModelInfo] = {
    m.id: m
    for m in [
        ModelInfo("wan2.1", "Wan 2.1 (image-to-video)", (Mode.IMG2VIDEO,), WanParams, _per_job,
                  Capabilities(seed=True, negative_prompt=True, max_reference_images=1,
                               image_url_param="image_url"),
                  "Open Wan 2.1 I2V; an input image or an image URL"),
        ModelInfo("veo3.1", "Veo 3.1 (image-to-video)", (Mode.IMG2VIDEO,), VeoParams, _per_job,
                  Capabilities(seed=False, max_reference_images=1, durations=(4.0, 6.0, 8.0),
                               image_url_param="image_url"),
                  "Google Veo 3.1 with camera and animation hints"),
    ]
}


def _flag(value: bool) -> str:
    return "true" if value else "false"


class VividFlowProvider(Provider):
    info = ProviderInfo(
        id="vividflow",
        name="Vivid Flow",
        kinds=(Kind.VIDEO,),
        key=KeySpec(env=("VIVIDFLOW_API_KEY",), keyring_entry="vividflow"),
        docs_url="https://vivid.studioionique.com/api/v1",
        pricing_url="https://vivid.studioionique.com",
        default_base_url="https://vivid.studioionique.com/api/v1",
        address_in_settings=True,
        notes="Hosted image-to-video jobs; daily credit limit shown as the quota. Only queued "
              "jobs can be cancelled. No published price.",
        sandbox="studio.sandbox.vividflow:routes",
        price_sources=(API_DOCUMENT,),
        bills_from_balance=True,
    )
    models = MODELS
    poll_hint = PollHint(min_interval=1.0, max_interval=20.0)

    def _headers(self, ctx: ProviderContext) -> dict[str, str]:
        return {"X-API-Key": ctx.key or "", "Accept": "application/json"}

    def download_headers(self, ctx: ProviderContext) -> dict[str, str]:
        return {"X-API-Key": ctx.key or ""}

    def build(
        self,
        request: RenderRequest,
        params: ParamsBase,
        images: Sequence[InputImage],
        ctx: ProviderContext,
    ) -> PreparedCall:
        model = self.model(request.model)
        values = params.model_dump(mode="json")
        image_url = values.pop("image_url")
        form = {"prompt": request.prompt, "model": model.id}
        if model.id == "wan2.1":
            form.update({k: str(v) for k, v in values.items()})
            if request.negative_prompt:
                form["negative_prompt"] = request.negative_prompt
            if request.seed is not None:
                form["seed"] = str(request.seed)
        else:
            for key, value in values.items():
                if isinstance(value, bool):
                    form[key] = _flag(value)
                elif value != "":
                    form[key] = str(value)
        files: tuple[FilePart, ...] = ()
        if images and images[0].url:
            form["image_url"] = images[0].url
        elif images:
            image = images[0]
            files = (FilePart("image", image.name, image.media_type, image.data),)
        elif image_url:
            form["image_url"] = image_url
        else:
            raise ValueError("Vivid Flow needs an input image or params.image_url")
        return PreparedCall("POST", f"{ctx.base_url}/generate", self._headers(ctx), form=form,
                            files=files)

    async def _call(self, http: httpx.AsyncClient, method: str, url: str, what: str,
                    ctx: ProviderContext, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", self._headers(ctx))
        response = await send(http, method, url, what, keep_errors=True, **kwargs)
        raise_for_status(response, what, friendly=FRIENDLY_ERRORS, retry_after_in_body=True)
        return parse_json(response, what)

    async def submit(
        self, http: httpx.AsyncClient, call: PreparedCall, ctx: ProviderContext
    ) -> Submitted:
        body = await self._call(http, call.method, call.url, "Vivid Flow generate", ctx,
                                **call.send_kwargs())
        job_id = body.get("job_id") if isinstance(body, dict) else None
        if not isinstance(job_id, str) or not job_id:
            raise ProviderError("Vivid Flow generate: the answer had no job_id",
                                code="malformed_response")
        urls = {"status": f"{ctx.base_url}/status/{job_id}",
                "cancel": f"{ctx.base_url}/cancel/{job_id}"}
        return Submitted(RemoteHandle(job_id, urls), raw=body)

    async def poll(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> PollResult:
        job = await self._call(http, "GET", handle.urls["status"], "Vivid Flow status", ctx)
        status = job.get("status") if isinstance(job, dict) else None
        if status == "queued":
            position = job.get("queue_position")
            return Pending("queued", queue_position=position if isinstance(position, int)
                           else None, raw=job)
        if status == "processing":
            return Pending("running", progress=_fraction(job.get("progress")), raw=job)
        if status == "completed":
            return self._completed(job, ctx)
        if status == "failed":
            reason = job.get("error_message") or "the job failed without a reason"
            return Failed(f"Vivid Flow: {reason}", code="failed", raw=job)
        if status == "cancelled":
            return Failed("cancelled at Vivid Flow", code="cancelled", raw=job)
        raise ProviderError(f"Vivid Flow status: unexpected status {status!r}",
                            code="malformed_response", retryable=True)

    def _completed(self, job: dict[str, Any], ctx: ProviderContext) -> PollResult:
        url = job.get("result_url")
        if not isinstance(url, str) or not url:
            return Failed("Vivid Flow: the job completed without a result_url",
                          code="no_output", raw=job)
        url = https_url(url)
        # Send the key only back to Vivid Flow itself, never to a storage host.
        ours = urlsplit(url).netloc == urlsplit(ctx.base_url).netloc
        metrics = json_object(job.get("metrics"))
        return Succeeded(outputs=[RemoteOutput(url=url, needs_auth=ours)],
                         message=describe_metrics(metrics), raw=job)

    async def cancel(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> bool:
        try:
            await self._call(http, "POST", handle.urls["cancel"], "Vivid Flow cancel", ctx)
        except ProviderError as exc:
            if exc.status in (400, 404, 409):  # already running or finished: not cancellable
                return False
            raise
        return True

    async def history(self, http: httpx.AsyncClient, ctx: ProviderContext,
                      limit: int = 20) -> list[dict[str, Any]]:
        """The account's recent jobs, newest first (Vivid Flow returns at most 100)."""
        limit = max(1, min(MAX_HISTORY, limit))
        body = await self._call(http, "GET", f"{ctx.base_url}/history", "Vivid Flow history",
                                ctx, params={"limit": str(limit)})
        jobs = body.get("jobs") if isinstance(body, dict) else body
        return [j for j in jobs if isinstance(j, dict)] if isinstance(jobs, list) else []

    async def usage(self, http: httpx.AsyncClient, ctx: ProviderContext) -> Quota | None:
        body = await self._call(http, "GET", f"{ctx.base_url}/usage", "Vivid Flow usage", ctx)
        remaining = body.get("credits_remaining") if isinstance(body, dict) else None
        if isinstance(remaining, bool) or not isinstance(remaining, int | float):
            raise ProviderError("Vivid Flow usage: the answer had no credits_remaining",
                                code="malformed_response", retryable=True)
        detail = f"{remaining:g} credits left"
        if isinstance(body.get("daily_limit"), int | float):
            detail += f" of {body['daily_limit']:g} a day"
        if body.get("reset_time"):
            detail += f"; resets {body['reset_time']}"
        return Quota(remaining=float(remaining), unit="credits", low_threshold=LOW_CREDITS,
                     detail=detail)


def describe_metrics(metrics: dict[str, Any]) -> str | None:
    """"generated in 41.2 s (spin-up 3.0 s, 44.9 s in all)" from the status metrics."""
    def seconds(name: str) -> float | None:
        value = metrics.get(name)
        return float(value) if isinstance(value, int | float) and not isinstance(
            value, bool) else None

    generation, spin_up, total = (seconds(n) for n in ("generation_time", "spin_up_time",
                                                       "total_time"))
    if generation is None:
        return None
    extra = [f"spin-up {spin_up:.1f} s" if spin_up is not None else "",
             f"{total:.1f} s in all" if total is not None else ""]
    extra = [e for e in extra if e]
    return f"generated in {generation:.1f} s" + (f" ({', '.join(extra)})" if extra else "")


def _fraction(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return min(1.0, max(0.0, value / 100 if value > 1 else float(value)))


PROVIDER = VividFlowProvider
