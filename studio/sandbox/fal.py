"""fal.ai queue protocol under /fal (stands in for https://queue.fal.run), and fal's storage
upload (stands in for https://rest.fal.ai under /fal/_rest and https://v3.fal.media under
/fal/_cdn): a CDN token for the fal key, then the raw file, answered with its access_url
(served from /files/<name>)."""

from __future__ import annotations

import dataclasses
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .fal_edits import is_edit_endpoint, plan_edit
from .fal_inputs import FalInputError, FalPlan, plan_request
from .gateway import Dialect, file_url, origin, provider_route, unknown_route
from .jobs import Failure, Job, LogLine, Phase
from .keyframes import animate
from .state import SandboxState

PROVIDER = "fal"
CANCELLED_MESSAGE = "Request was cancelled"


def _authorize(request: Request) -> Response | None:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme != "Key" or not key.strip():
        detail = "Missing or invalid authorization header: expected 'Authorization: Key <FAL_KEY>'"
        return JSONResponse({"detail": detail}, status_code=401)
    return None


def _error(status: int, message: str) -> Response:
    return JSONResponse({"detail": message}, status_code=status)


DIALECT = Dialect(PROVIDER, _authorize, _error)
STORAGE_TYPES = ("fal-cdn-v3",)
MAX_UPLOAD_BYTES = 90 * 1024 * 1024  # larger files go multipart in fal's clients


class CdnTokens:
    """CDN tokens handed out by /storage/auth/token; the upload must carry one."""

    def __init__(self) -> None:
        self.issued: set[str] = set()

    def reset(self) -> None:
        self.issued.clear()

    def reset_credits(self) -> None:
        """No credits to restore."""

    def authorize(self, request: Request) -> Response | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.issued:
            return JSONResponse({"detail": "Invalid or expired CDN token"}, status_code=401)
        return None


def _request_base(request: Request, job: Job) -> str:
    """fal's status/result/cancel URLs keep only owner/alias of the endpoint id."""
    return f"{origin(request)}/fal/{job.meta['app']}/requests/{job.id}"


def _wants_logs(request: Request) -> bool:
    return request.query_params.get("logs", "").lower() in ("1", "true")


def storage_routes(state: SandboxState) -> list[Route]:
    tokens = CdnTokens()
    state.extensions["fal-storage"] = tokens
    cdn = Dialect(PROVIDER, tokens.authorize, _error)

    async def token(request: Request, body: bytes) -> Response:
        kind = request.query_params.get("storage_type")
        if kind not in STORAGE_TYPES:
            return _error(422, f"storage_type must be one of {list(STORAGE_TYPES)}")
        value = secrets.token_urlsafe(24)
        tokens.issued.add(value)
        expires = datetime.now(UTC) + timedelta(hours=1)
        return JSONResponse({"token": value, "token_type": "Bearer",
                             "base_url": f"{origin(request)}/fal/_cdn",
                             "expires_at": expires.isoformat()})

    async def upload(request: Request, body: bytes) -> Response:
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
        if not body:
            return _error(400, "The file is empty")
        if len(body) > MAX_UPLOAD_BYTES:
            return _error(413, "Files over 90 MB use the multipart upload")
        if not content_type:
            return _error(400, "Content-Type is required")
        given = request.headers.get("x-fal-file-name") or ""
        suffix = given.rpartition(".")[2].lower() if "." in given else ""
        name = uuid.uuid4().hex + (f".{suffix}" if suffix.isalnum() else "")
        state.files.register(name, content_type, lambda data=body: data)
        return JSONResponse({"access_url": file_url(request, name)})

    return [
        provider_route(state, DIALECT, "/_rest/storage/auth/token", token, ["POST"]),
        provider_route(state, cdn, "/_cdn/files/upload", upload, ["POST"]),
    ]


def routes(state: SandboxState) -> list[Route]:
    async def submit(request: Request, body: bytes) -> Response:
        endpoint_id = request.path_params["endpoint_id"].strip("/")
        segments = endpoint_id.split("/")
        if len(segments) < 2 or not all(segments):
            return _error(404, f"Application '{endpoint_id}' not found")
        try:
            payload = json.loads(body) if body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            error = {"loc": ["body"], "msg": "Invalid JSON body", "type": "value_error.jsondecode"}
            detail = [error]
            return JSONResponse({"detail": detail}, status_code=422)
        request_id = str(uuid.uuid4())
        try:
            if is_edit_endpoint(endpoint_id):
                plan = plan_edit(endpoint_id, payload, request_id, state)
            else:
                plan = plan_request(endpoint_id, payload, request_id, state.config)
                if plan.is_video:
                    plan = _from_frames(plan, payload, state)
        except FalInputError as exc:
            return JSONResponse({"detail": exc.detail()}, status_code=422)
        timing = state.timing()
        job = Job(
            PROVIDER,
            endpoint_id,
            created_at=state.clock.now(),
            queue_seconds=timing.queue_seconds,
            run_seconds=timing.run_seconds,
            outputs=plan.outputs,
            meta={"app": "/".join(segments[:2]), "plan": plan},
            log_steps=state.config.log_lines,
            id=request_id,
        )
        fault = state.faults.take("fail_next", PROVIDER)
        if fault is not None:
            job.failure = Failure(
                fault.options.get("code", "internal_server_error"),
                fault.options.get("message", "Sandbox: generation failed (injected fault)"),
            )
        state.jobs.add(job)
        base = _request_base(request, job)
        content = {
            "request_id": job.id,
            "response_url": base,
            "status_url": f"{base}/status",
            "cancel_url": f"{base}/cancel",
            "status": "IN_QUEUE",
            "queue_position": state.jobs.queue_position(job, job.created_at),
        }
        return JSONResponse(content, headers={"x-fal-request-id": job.id})

    def find(request: Request) -> Job | None:
        job = state.jobs.get(request.path_params["request_id"], PROVIDER)
        app = f"{request.path_params['owner']}/{request.path_params['alias']}"
        return job if job is not None and job.meta.get("app") == app else None

    async def status(request: Request, body: bytes) -> Response:
        job = find(request)
        if job is None:
            return _error(404, "Request not found")
        now = state.clock.now()
        phase = job.phase(now)
        content: dict[str, Any]
        if phase in (Phase.QUEUED, Phase.THROTTLED):
            content = {"status": "IN_QUEUE", "queue_position": state.jobs.queue_position(job, now)}
        elif phase is Phase.RUNNING:
            content = {"status": "IN_PROGRESS"}
        else:
            content = {"status": "COMPLETED"}
            if phase is Phase.SUCCEEDED:
                # Render now, so the result and its files are ready when fetched.
                for stored in job.register_outputs(state.files):
                    await state.files.render(stored)
            if phase is not Phase.CANCELLED:
                content["metrics"] = {"inference_time": job.run_seconds}
            if phase is Phase.FAILED and job.failure:
                content.update(error=job.failure.message, error_type=job.failure.code)
            if phase is Phase.CANCELLED:
                content.update(error=CANCELLED_MESSAGE, error_type="request_cancelled")
        if _wants_logs(request) and phase is not Phase.QUEUED:
            content["logs"] = [_log_entry(state, line) for line in job.logs(now)]
        content["response_url"] = _request_base(request, job)
        return JSONResponse(content, headers={"x-fal-request-id": job.id})

    async def result(request: Request, body: bytes) -> Response:
        job = find(request)
        if job is None:
            return _error(404, "Request not found")
        phase = job.phase(state.clock.now())
        headers = {"x-fal-request-id": job.id}
        if phase is Phase.CANCELLED:
            return JSONResponse({"detail": CANCELLED_MESSAGE}, 400, headers=headers)
        if phase is Phase.FAILED and job.failure:
            headers["x-fal-error-type"] = job.failure.code
            return JSONResponse({"detail": job.failure.message}, 422, headers=headers)
        if phase is not Phase.SUCCEEDED:
            return JSONResponse({"detail": "Request is still in progress"}, 400, headers=headers)
        return JSONResponse(await _result_body(state, request, job), headers=headers)

    async def cancel(request: Request, body: bytes) -> Response:
        job = find(request)
        if job is None:
            return JSONResponse({"status": "NOT_FOUND"}, status_code=404)
        if not job.cancel(state.clock.now()):
            return JSONResponse({"status": "ALREADY_COMPLETED"}, status_code=400)
        return JSONResponse({"status": "CANCELLATION_REQUESTED"}, status_code=202)

    requests_path = "/{owner}/{alias}/requests/{request_id}"
    return [
        *storage_routes(state),
        provider_route(state, DIALECT, f"{requests_path}/status", status, ["GET"], is_poll=True),
        provider_route(state, DIALECT, f"{requests_path}/cancel", cancel, ["PUT"]),
        provider_route(state, DIALECT, requests_path, result, ["GET"], is_poll=True),
        provider_route(state, DIALECT, "/{endpoint_id:path}", submit, ["POST"]),
        unknown_route(
            state, DIALECT, "Queue URLs use only owner/alias: /{owner}/{alias}/requests/{id}"
        ),
    ]


def _log_entry(state: SandboxState, line: LogLine) -> dict[str, str]:
    return {
        "message": line.message,
        "level": line.level,
        "source": "USER",
        "timestamp": state.clock.iso(line.at),
    }


async def _result_body(state: SandboxState, request: Request, job: Job) -> dict[str, Any]:
    plan = job.meta["plan"]
    stored = job.register_outputs(state.files)
    blobs = [await state.files.render(item) for item in stored]
    if plan.is_video:
        output = job.outputs[0]
        video = {
            "url": file_url(request, output.name),
            "content_type": output.content_type,
            "file_name": output.name,
            "file_size": len(blobs[0]),
        }
        return {"video": video, "seed": plan.seed}
    if plan.single:  # upscalers and background removal answer with one `image`
        output = job.outputs[0]
        image = {"url": file_url(request, output.name), "width": output.width,
                 "height": output.height, "content_type": output.content_type,
                 "file_name": output.name, "file_size": len(blobs[0])}
        return {"image": image, "seed": plan.seed, "timings": {"inference": job.run_seconds}}
    images = [
        {
            "url": file_url(request, output.name),
            "width": output.width,
            "height": output.height,
            "content_type": output.content_type,
        }
        for output in job.outputs
    ]
    return {
        "images": images,
        "seed": plan.seed,
        "has_nsfw_concepts": [False] * len(images),
        "prompt": plan.prompt,
        "timings": {"inference": job.run_seconds},
    }


def _from_frames(plan: FalPlan, body: Any, state: SandboxState) -> FalPlan:
    """Image to video: the clip starts on image_url (or the first of image_urls) and ends on
    tail_image_url / end_image_url (or the last of image_urls) when given."""
    body = body if isinstance(body, dict) else {}
    urls = body.get("image_urls") if isinstance(body.get("image_urls"), list) else None
    start = body.get("image_url") or (urls[0] if urls else None)
    end = body.get("tail_image_url") or body.get("end_image_url") or (
        urls[-1] if urls and len(urls) > 1 else None)
    outputs = tuple(animate(o, state, start, end, body) for o in plan.outputs)
    return dataclasses.replace(plan, outputs=outputs)
