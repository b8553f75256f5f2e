"""Runway API: create a task, poll /v1/tasks/{id}, DELETE to cancel, credits from /organization.

Docs: https://docs.dev.runwayml.com/ . Every call carries `X-Runway-Version`; bodies are
camelCase JSON. Local images go in as data URIs (Runway will not fetch local URLs); https
inputs are passed as they are. Tasks report no cost: a finished job's cost is read as the
change in the organization's creditBalance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

import httpx
from pydantic import Field

from studio.providers.base import (
    Bill,
    Capabilities,
    Failed,
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
    PriceRule,
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
    params_as,
)
from studio.providers.http import json_object, parse_json, send
from studio.providers.images import uri_for

API_VERSION = "2024-11-06"
USD_PER_CREDIT = 0.01

Gen4Ratio = Literal["1280:720", "720:1280", "1104:832", "960:960", "832:1104", "1584:672"]
Gen45TextRatio = Literal["1280:720", "720:1280"]
VeoRatio = Literal["1280:720", "720:1280", "1080:1920", "1920:1080"]
ImageRatio = Literal[
    "1024:1024", "1080:1080", "1168:880", "1360:768", "1440:1080", "1080:1440", "1808:768",
    "1920:1080", "1080:1920", "2112:912",
    "1280:720", "720:1280", "720:720", "960:720", "720:960", "1680:720",
]
# Runway lists the last six gen4_image ratios as its 720p tier; the rest are 1080p.
IMAGE_720P_RATIOS = frozenset(get_args(ImageRatio)[-6:])
PublicFigureThreshold = Literal[None, "auto", "low"]

_THRESHOLD = Field(None, description="contentModeration.publicFigureThreshold: 'low' is less "
                                     "strict about recognisable public figures")

# Runway answers 429 on task creation only when the organisation's rolling 24-hour
# generation limit for the model is used up (docs: usage tiers); retrying will not help.
DAILY_CAP = ("Runway submit: the daily generation limit for this model is reached (HTTP 429); "
             "nothing was sent or charged. Runway counts a rolling 24 hours: try again "
             "later, use another model, or raise the organisation's usage tier")


# ---- params models: Runway's own field names, allowed values and defaults -------------


class Gen4I2VParams(ParamsBase):
    ratio: Gen4Ratio = Field("1280:720", description="Output resolution (width:height)")
    duration: int = Field(5, ge=2, le=10, description="Clip length in seconds")
    publicFigureThreshold: PublicFigureThreshold = _THRESHOLD


class Gen45T2VParams(ParamsBase):
    ratio: Gen45TextRatio = Field("1280:720", description="Output resolution (width:height)")
    duration: int = Field(5, ge=2, le=10, description="Clip length in seconds")


class VeoParams(ParamsBase):
    ratio: VeoRatio = Field("1280:720", description="Output resolution (width:height)")
    duration: Literal[4, 6, 8] = Field(8, description="Clip length in seconds")
    audio: bool = Field(False, description="Generate a soundtrack (costs more)")


class Gen4ImageParams(ParamsBase):
    ratio: ImageRatio = Field("1920:1080", description="Output resolution (width:height)")
    publicFigureThreshold: PublicFigureThreshold = _THRESHOLD


# ---- price rules: credits, and dollars at 1 credit = $0.01 ---------------------------

# Runway's own agent skills (runwayml/skills, rw-api-reference): credits per second of
# output and per image; 1 credit = $0.01 (rw-check-org-details).
RUNWAY_SKILLS = PriceSource("https://github.com/runwayml/skills/blob/main/skills/"
                            "rw-api-reference/SKILL.md", "2026-11-21", first_party=True)
PRICE_SOURCES = (RUNWAY_SKILLS,)


def _credits(credits: float, basis: str, *, approximate: bool) -> Price:
    return Price(usd=credits * USD_PER_CREDIT, credits=credits, approximate=approximate,
                 source=RUNWAY_SKILLS, basis=f"{basis} = {credits:g} credits at $0.01/credit")


def _per_second(rate: float, *, approximate: bool = False) -> PriceRule:
    def price(bill: Bill) -> Price:
        seconds = bill.params.duration
        return _credits(rate * seconds, f"{rate:g} credits/s x {seconds} s",
                        approximate=approximate)
    return price


def _veo_price(silent: float, with_audio: float) -> PriceRule:
    def price(bill: Bill) -> Price:
        p = params_as(bill.params, VeoParams)
        rate = with_audio if p.audio else silent
        what = "with" if p.audio else "without"
        # Runway lists Veo 3.1 as a range (20-40 credits/s); which end audio takes is assumed.
        return _credits(rate * p.duration, f"{rate:g} credits/s {what} audio x {p.duration} s",
                        approximate=True)
    return price


def _gen4_image_price(bill: Bill) -> Price:
    p = params_as(bill.params, Gen4ImageParams)
    tier, credits = ("720p", 5) if p.ratio in IMAGE_720P_RATIOS else ("1080p", 8)
    # Which ratios fall in Runway's 720p tier is read from its ratio list, not stated.
    return Price(usd=credits * USD_PER_CREDIT, credits=credits, approximate=True,
                 source=RUNWAY_SKILLS,
                 basis=f"{credits} credits per {tier}-tier image at $0.01/credit")


def _i2v(seed: bool, negative: bool, ratios: Any, durations: tuple[float, ...]) -> Capabilities:
    return Capabilities(seed=seed, negative_prompt=negative, max_reference_images=1,
                        requires_image=True, sizes=get_args(ratios), durations=durations)


_TWO_TO_TEN = tuple(float(s) for s in range(2, 11))
_VEO_SECONDS = (4.0, 6.0, 8.0)


def _route(endpoint: str, model: str) -> dict[str, str]:
    return {"endpoint": endpoint, "model": model}


MODELS: dict[str, ModelInfo] = {
    m.id: m
    for m in [
        ModelInfo("gen4_turbo", "Gen-4 Turbo (image-to-video)", (Mode.IMG2VIDEO,),
                  Gen4I2VParams, _per_second(5), _i2v(True, False, Gen4Ratio, _TWO_TO_TEN),
                  "Runway's fast, cheap image-to-video model",
                  _route("image_to_video", "gen4_turbo")),
        ModelInfo("gen4.5", "Gen-4.5 (image-to-video)", (Mode.IMG2VIDEO,), Gen4I2VParams,
                  _per_second(12), _i2v(True, False, Gen4Ratio, _TWO_TO_TEN),
                  "Runway's highest-quality video model", _route("image_to_video", "gen4.5")),
        ModelInfo("gen4.5/text_to_video", "Gen-4.5 (text-to-video)", (Mode.TXT2VIDEO,),
                  Gen45T2VParams, _per_second(12),
                  Capabilities(seed=True, sizes=get_args(Gen45TextRatio), durations=_TWO_TO_TEN),
                  "Gen-4.5 from a prompt alone", _route("text_to_video", "gen4.5")),
        ModelInfo("veo3.1", "Veo 3.1 (image-to-video)", (Mode.IMG2VIDEO,), VeoParams,
                  _veo_price(20, 40), _i2v(False, True, VeoRatio, _VEO_SECONDS),
                  "Google Veo 3.1 through Runway; optional audio",
                  _route("image_to_video", "veo3.1")),
        ModelInfo("veo3.1_fast", "Veo 3.1 Fast (image-to-video)", (Mode.IMG2VIDEO,), VeoParams,
                  _veo_price(10, 15), _i2v(False, True, VeoRatio, _VEO_SECONDS),
                  "Faster, cheaper Veo 3.1; optional audio",
                  _route("image_to_video", "veo3.1_fast")),
        ModelInfo("veo3.1/text_to_video", "Veo 3.1 (text-to-video)", (Mode.TXT2VIDEO,),
                  VeoParams, _veo_price(20, 40),
                  Capabilities(seed=False, sizes=get_args(VeoRatio), durations=_VEO_SECONDS),
                  "Google Veo 3.1 from a prompt alone", _route("text_to_video", "veo3.1")),
        ModelInfo("gen4_image", "Gen-4 Image", (Mode.TXT2IMG,), Gen4ImageParams,
                  _gen4_image_price,
                  Capabilities(seed=True, max_reference_images=3, sizes=get_args(ImageRatio)),
                  "Up to 3 reference images, tagged ref1..ref3: write @ref1 in the prompt",
                  _route("text_to_image", "gen4_image")),
    ]
}


def reference_tag(index: int) -> str:
    return f"ref{index + 1}"


# failureCode prefix -> (what the user can do, retryable). Codes: docs.dev.runwayml.com/errors
_FAILURES: list[tuple[str, str, bool]] = [
    ("SAFETY.INPUT", "the prompt or input image was refused by Runway's safety filter; change "
                     "it (credits are not refunded)", False),
    ("SAFETY.OUTPUT", "Runway's safety filter blocked the output; try a different prompt", False),
    ("INTERNAL", "Runway had an internal error; retry", True),
]


def failure_from(task: dict[str, Any]) -> Failed:
    code = task.get("failureCode") or None
    text = str(task.get("failure") or "").strip()
    for prefix, message, retryable in _FAILURES:
        if code and (code == prefix or code.startswith(prefix + ".")):
            said = f" (Runway: {text})" if text else ""
            return Failed(f"Runway: {message}{said}", code=code, retryable=retryable, raw=task)
    if code == "ASSET.INVALID":
        return Failed(f"Runway: an input image could not be used: {text or code}", code=code,
                      raw=task)
    return Failed(f"Runway: {text or 'the task failed without a reason'}", code=code, raw=task)


class RunwayProvider(Provider):
    info = ProviderInfo(
        id="runway",
        name="Runway",
        kinds=(Kind.VIDEO, Kind.IMAGE),
        key=KeySpec(env=("RUNWAY_API_KEY", "RUNWAYML_API_SECRET"), keyring_entry="runway"),
        docs_url="https://docs.dev.runwayml.com/",
        pricing_url="https://docs.dev.runwayml.com/guides/pricing/",
        default_base_url="https://api.dev.runwayml.com",
        notes="Prepaid API credits (1 credit = $0.01), separate from web-app credits. Tasks "
              "over the organization's concurrency limit wait as THROTTLED, not rejected.",
        sandbox="studio.sandbox.runway:routes",
        price_sources=PRICE_SOURCES,
        bills_from_balance=True,
    )
    models = MODELS
    # Runway's SDK polls every ~6 s; tasks take tens of seconds.
    poll_hint = PollHint(min_interval=1.0, max_interval=6.0)

    def _headers(self, ctx: ProviderContext) -> dict[str, str]:
        return {"Authorization": f"Bearer {ctx.key or ''}", "X-Runway-Version": API_VERSION}

    def build(
        self,
        request: RenderRequest,
        params: ParamsBase,
        images: Sequence[InputImage],
        ctx: ProviderContext,
    ) -> PreparedCall:
        model = self.model(request.model)
        endpoint = model.metadata["endpoint"]
        body: dict[str, Any] = {"model": model.metadata["model"]}
        if endpoint == "image_to_video" and images:
            body["promptImage"] = uri_for(images[0])
        if endpoint == "text_to_image" and images:
            body["referenceImages"] = [{"uri": uri_for(image), "tag": reference_tag(i)}
                                       for i, image in enumerate(images)]
        body["promptText"] = request.prompt
        values = params.model_dump(mode="json")
        threshold = values.pop("publicFigureThreshold", None)
        body.update(values)
        if threshold:
            body["contentModeration"] = {"publicFigureThreshold": threshold}
        if request.seed is not None and model.capabilities.seed:
            body["seed"] = request.seed
        if request.negative_prompt and model.capabilities.negative_prompt:
            body["negativePrompt"] = request.negative_prompt
        return PreparedCall(
            method="POST",
            url=f"{ctx.base_url}/v1/{endpoint}",
            headers={**self._headers(ctx), "Content-Type": "application/json"},
            json_body=body,
        )

    async def submit(
        self, http: httpx.AsyncClient, call: PreparedCall, ctx: ProviderContext
    ) -> Submitted:
        try:
            response = await send(http, call.method, call.url, "Runway submit",
                                  **call.send_kwargs())
        except ProviderError as exc:
            if exc.status == 429:  # Runway has no per-minute limit: 429 on create is the cap
                raise ProviderError(DAILY_CAP, status=429, code="daily_cap") from None
            raise
        body = parse_json(response, "Runway submit")
        task_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise ProviderError("Runway submit: the answer had no task id",
                                status=response.status_code, code="malformed_response")
        handle = RemoteHandle(remote_id=task_id,
                              urls={"task": f"{ctx.base_url}/v1/tasks/{task_id}"})
        return Submitted(handle=handle, raw=body)

    def _task_url(self, handle: RemoteHandle, ctx: ProviderContext) -> str:
        return handle.urls.get("task") or f"{ctx.base_url}/v1/tasks/{handle.remote_id}"

    async def poll(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> PollResult:
        response = await send(http, "GET", self._task_url(handle, ctx), "Runway task status",
                              headers=self._headers(ctx))
        task = parse_json(response, "Runway task status")
        status = task.get("status") if isinstance(task, dict) else None
        if status == "PENDING":
            return Pending("queued", raw=task)
        if status == "THROTTLED":
            return Pending("queued", message="throttled: waiting for a free concurrency slot",
                           raw=task)
        if status == "RUNNING":
            return Pending("running", progress=_progress(task.get("progress")), raw=task)
        if status == "SUCCEEDED":
            urls = [u for u in task.get("output") or [] if isinstance(u, str) and u]
            if not urls:
                return Failed("Runway: the task succeeded but returned no output",
                              code="no_output", raw=task)
            return Succeeded(outputs=[RemoteOutput(url=u) for u in urls], raw=task)
        if status == "FAILED":
            return failure_from(task)
        if status == "CANCELLED":
            return Failed("cancelled at Runway", code="cancelled", raw=task)
        raise ProviderError(f"Runway task status: unexpected status {status!r}",
                            code="malformed_response", retryable=True)

    async def cancel(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> bool:
        try:
            await send(http, "DELETE", self._task_url(handle, ctx), "Runway cancel",
                       headers=self._headers(ctx))
        except ProviderError as exc:
            if exc.status == 404:  # already gone
                return False
            raise
        return True

    async def usage(self, http: httpx.AsyncClient, ctx: ProviderContext) -> Quota | None:
        response = await send(http, "GET", f"{ctx.base_url}/v1/organization",
                              "Runway organization", headers=self._headers(ctx))
        org = parse_json(response, "Runway organization")
        balance = org.get("creditBalance") if isinstance(org, dict) else None
        if isinstance(balance, bool) or not isinstance(balance, int | float):
            raise ProviderError("Runway organization: the answer had no creditBalance",
                                code="malformed_response", retryable=True)
        return Quota(remaining=float(balance), unit="credits", usd=balance * USD_PER_CREDIT,
                     detail=_org_detail(org))


def _progress(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return min(1.0, max(0.0, float(value)))


def _org_detail(org: dict[str, Any]) -> str:
    """Balance in dollars plus today's generations against the daily limit, per model used."""
    parts = [f"${org['creditBalance'] * USD_PER_CREDIT:.2f} of API credit"]
    tier = json_object(org.get("tier"))
    limits = json_object(tier.get("models"))
    usage = json_object(org.get("usage"))
    used = json_object(usage.get("models"))
    ours = {m.metadata["model"] for m in MODELS.values()}
    daily = []
    for name in sorted(ours & set(limits)):
        limit = limits[name].get("maxDailyGenerations") if isinstance(limits[name], dict) else None
        if limit is None:
            continue
        count = (used.get(name) or {}).get("dailyGenerations", 0)
        if count:
            daily.append(f"{name} {count}/{limit}")
    if daily:
        parts.append("today: " + ", ".join(daily))
    return "; ".join(parts)


PROVIDER = RunwayProvider
