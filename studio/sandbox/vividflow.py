"""Vivid Flow under /vividflow (stands in for https://vivid.studioionique.com/api/v1).

POST /generate (multipart, or a urlencoded form without a file) answers 202 {job_id}; jobs
go queued -> processing -> completed | failed | cancelled. Each job takes one credit from
the account; with none left /generate answers 403. A rate_limit fault answers 429 with
`retry_after` in the JSON body (no Retry-After header). /_sandbox/vividflow reads or sets
the account's credits.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .formdata import FormData, FormDataError, is_multipart, parse_form
from .gateway import Dialect, file_url, provider_route, unknown_route
from .jobs import Failure, Job, OutputSpec, Phase
from .keyframes import animate
from .sizes import cap_video
from .state import SandboxState

PROVIDER = "vividflow"
DAILY_LIMIT = 100
STATUS = {Phase.QUEUED: "queued", Phase.THROTTLED: "queued", Phase.RUNNING: "processing",
          Phase.SUCCEEDED: "completed", Phase.FAILED: "failed", Phase.CANCELLED: "cancelled"}
WAN_FIELDS = {"negative_prompt": str, "cfg": float, "width": int, "height": int, "length": int,
              "steps": int, "seed": int}
# The API document gives cfg's range only; the other numbers just have to be positive.
WAN_BOUNDS = {"cfg": (1.0, 20.0)}
POSITIVE = ("width", "height", "length", "steps")
MAX_RENDER_SECONDS = 60.0  # the sandbox renders at most this much of a requested clip
VEO_FIELDS = {"duration_seconds": int, "resolution": str, "camera_motion": str,
              "subject_animation": str, "environmental_animation": str, "enhance_prompt": bool}
VEO_SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}
WAN_FPS = 16


def _error(status: int, message: str, **extra: Any) -> Response:
    names = {400: "validation_error", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             413: "payload_too_large", 429: "rate_limited"}
    content = {"error": names.get(status, "server_error"), "message": message, **extra}
    return JSONResponse(content, status_code=status)


def _authorize(request: Request) -> Response | None:
    if not request.headers.get("x-api-key", "").strip():
        return _error(401, "Missing or invalid X-API-Key header")
    return None


def _rate_limited(seconds: float) -> Response:
    return _error(429, "Too many requests; slow down", retry_after=seconds)


DIALECT = Dialect(PROVIDER, _authorize, _error, _rate_limited)


class Account:
    """The emulated account's credits; reset with the sandbox's credits."""

    def __init__(self) -> None:
        self.credits_remaining = self.daily_limit = DAILY_LIMIT

    def reset(self) -> None:
        self.reset_credits()

    def reset_credits(self) -> None:
        self.credits_remaining = self.daily_limit = DAILY_LIMIT

    def usage(self) -> dict[str, Any]:
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                                   microsecond=0)
        return {"credits_remaining": self.credits_remaining, "daily_limit": self.daily_limit,
                "reset_time": tomorrow.isoformat().replace("+00:00", "Z")}


def _typed(name: str, kind: type, raw: str) -> tuple[Any, str | None]:
    try:
        if kind is bool:
            if raw.lower() not in ("true", "false"):
                raise ValueError
            return raw.lower() == "true", None
        return kind(raw), None
    except ValueError:
        return None, f"must be a{'n' if kind is int else ''} {kind.__name__}"


def validate(form: FormData) -> tuple[dict[str, Any], list[dict[str, str]]]:
    fields, issues = dict(form.fields), []
    model = fields.pop("model", "wan2.1")
    prompt = fields.pop("prompt", "").strip()
    image_url = fields.pop("image_url", "").strip()
    if not prompt:
        issues.append({"field": "prompt", "message": "is required"})
    if model not in ("wan2.1", "veo3.1"):
        issues.append({"field": "model", "message": "must be wan2.1 or veo3.1"})
        return {}, issues
    image = form.file("image")
    if bool(image) == bool(image_url):
        issues.append({"field": "image", "message": "send exactly one of image or image_url"})
    if image_url.startswith("gs://"):
        if "/" not in image_url[len("gs://"):].strip("/"):
            issues.append({"field": "image_url", "message": "gs:// URLs need bucket/path"})
    elif image_url and not image_url.startswith("https://"):
        issues.append({"field": "image_url", "message": "must be https:// or gs://"})
    allowed = WAN_FIELDS if model == "wan2.1" else VEO_FIELDS
    values: dict[str, Any] = {}
    for name, raw in fields.items():
        if name not in allowed:
            issues.append({"field": name, "message": f"is not supported by {model}"})
            continue
        value, problem = _typed(name, allowed[name], raw)
        low, high = WAN_BOUNDS.get(name, (None, None))
        if problem is None and low is not None and not low <= value <= high:
            problem = f"must be between {low} and {high}"
        if problem is None and name in POSITIVE and value < 1:
            problem = "must be a positive integer"
        if problem:
            issues.append({"field": name, "message": problem})
        values[name] = value
    if model == "veo3.1":
        if values.get("duration_seconds", 4) not in (4, 6, 8):
            issues.append({"field": "duration_seconds", "message": "must be 4, 6 or 8"})
        if values.get("resolution", "720p") not in VEO_SIZES:
            issues.append({"field": "resolution", "message": "must be 720p or 1080p"})
    return {"model": model, "prompt": prompt, "image_url": image_url or None, **values}, issues


def _spec(job_id: str, request: dict[str, Any], max_side: int) -> tuple[OutputSpec, int]:
    seed = request.get("seed", 42 if request["model"] == "wan2.1" else random.randrange(2**31))
    if request["model"] == "wan2.1":
        size = (request.get("width", 1280), request.get("height", 720))
        frames = request.get("length", 81)
        seconds = frames / WAN_FPS
    else:
        size = VEO_SIZES[request.get("resolution", "720p")]
        seconds = float(request.get("duration_seconds", 4))
        frames = round(seconds * 24)
    width, height = cap_video(*size, max_side)
    return OutputSpec(f"{job_id}.mp4", request["prompt"], seed, width, height, "mp4",
                      min(seconds, MAX_RENDER_SECONDS), 12), frames


def routes(state: SandboxState) -> list[Route]:
    account = Account()
    state.extensions[PROVIDER] = account

    def describe(request: Request, job: Job) -> dict[str, Any]:
        now = state.clock.now()
        phase = job.phase(now)
        out: dict[str, Any] = {"job_id": job.id, "status": STATUS[phase], "model": job.route,
                               "created_at": state.clock.iso(job.created_at)}
        if phase in (Phase.QUEUED, Phase.THROTTLED):
            out["queue_position"] = state.jobs.queue_position(job, now)
        elif phase is Phase.RUNNING:
            out["progress"] = round(job.progress(now) * 100)
        elif phase is Phase.SUCCEEDED:
            out.update(result_url=file_url(request, job.outputs[0].name),
                       completed_at=state.clock.iso(job.finishes_at),
                       metrics={"generation_time": round(job.run_seconds, 3),
                                "spin_up_time": round(job.queue_seconds, 3),
                                "total_time": round(job.queue_seconds + job.run_seconds, 3)})
        elif phase is Phase.FAILED and job.failure is not None:
            out["error_message"] = job.failure.message
        return out

    async def generate(request: Request, body: bytes) -> Response:
        content_type = request.headers.get("content-type") or ""
        try:
            if content_type.startswith("application/x-www-form-urlencoded"):
                form = FormData(dict(parse_qsl(body.decode("utf-8", "replace"))))
            elif is_multipart(content_type):
                form = parse_form(body, content_type)
            else:
                return _error(400, "Send multipart/form-data", details=[])
        except FormDataError as exc:
            return _error(400, str(exc), details=[])
        values, issues = validate(form)
        if issues:
            return _error(400, "Invalid request", details=issues)
        if account.credits_remaining < 1:
            return _error(403, "No credits left today; they reset at "
                               f"{account.usage()['reset_time']}")
        account.credits_remaining -= 1
        timing = state.timing()
        job = Job(PROVIDER, values["model"], created_at=state.clock.now(),
                  queue_seconds=timing.queue_seconds, run_seconds=timing.run_seconds)
        spec, frames = _spec(job.id, values, state.config.max_video_side)
        image = form.file("image")
        spec = animate(spec, state, image.data if image is not None else values["image_url"],
                       None, values)
        job.outputs, job.meta = (spec,), {"frames": frames, "image_url": values["image_url"]}
        fault = state.faults.take("fail_next", PROVIDER)
        if fault is not None:
            job.failure = Failure(fault.options.get("code", "generation_failed"),
                                  fault.options.get("message", "Generation failed (sandbox)"))
        state.jobs.add(job)
        return JSONResponse({"job_id": job.id, "status": "queued", "model": job.route},
                            status_code=202)

    async def status(request: Request, body: bytes) -> Response:
        job = state.jobs.get(request.path_params["job_id"], PROVIDER)
        if job is None:
            return _error(404, "Job not found")
        if job.phase(state.clock.now()) is Phase.SUCCEEDED:
            for stored in job.register_outputs(state.files):
                await state.files.render(stored)
        return JSONResponse(describe(request, job))

    async def cancel(request: Request, body: bytes) -> Response:
        job = state.jobs.get(request.path_params["job_id"], PROVIDER)
        if job is None:
            return _error(404, "Job not found")
        now = state.clock.now()
        phase = job.phase(now)
        if phase not in (Phase.QUEUED, Phase.THROTTLED):
            return _error(400, f"Only queued jobs can be cancelled (this one is "
                               f"{STATUS[phase]})", details=[])
        job.cancel(now)
        return JSONResponse({"job_id": job.id, "status": "cancelled"})

    async def history(request: Request, body: bytes) -> Response:
        raw = request.query_params.get("limit", "20")
        if not raw.isdigit() or not 1 <= int(raw) <= 100:
            return _error(400, "Invalid request", details=[
                {"field": "limit", "message": "must be an integer from 1 to 100"}])
        jobs = sorted(state.jobs.all(PROVIDER), key=lambda j: j.seq, reverse=True)[:int(raw)]
        return JSONResponse({"jobs": [describe(request, j) for j in jobs], "count": len(jobs)})

    async def usage(request: Request, body: bytes) -> Response:
        return JSONResponse(account.usage())

    return [
        provider_route(state, DIALECT, "/generate", generate, ["POST"]),
        provider_route(state, DIALECT, "/status/{job_id}", status, ["GET"], is_poll=True),
        provider_route(state, DIALECT, "/cancel/{job_id}", cancel, ["POST"]),
        provider_route(state, DIALECT, "/history", history, ["GET"]),
        provider_route(state, DIALECT, "/usage", usage, ["GET"]),
        unknown_route(state, DIALECT, "See /generate, /status/{job_id}, /usage."),
    ]


def admin_routes(state: SandboxState) -> list[Route]:
    """GET or POST {"credits_remaining"?, "daily_limit"?} at /_sandbox/vividflow."""

    async def account(request: Request) -> Response:
        current = state.extensions[PROVIDER]
        assert isinstance(current, Account)
        if request.method == "POST":
            try:
                spec = json.loads(await request.body() or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError):
                return _error(400, "body must be JSON")
            for key in ("credits_remaining", "daily_limit"):
                value = spec.get(key) if isinstance(spec, dict) else None
                if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                    setattr(current, key, value)
        return JSONResponse(current.usage())

    return [Route("/_sandbox/vividflow", account, methods=["GET", "POST"])]
