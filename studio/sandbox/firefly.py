"""Adobe Firefly Services v3 under /firefly (stands in for https://firefly-api.adobe.io), with
Adobe IMS at /firefly/ims/token/v3 (stands in for https://ims-na1.adobelogin.com).

IMS issues a token for any client id and secret, except a secret starting with `revoked`
(answered 401 invalid_client, as IMS answers a rotated secret). API calls need a token this
sandbox issued and the same client id as `x-api-key`. Jobs go pending -> running ->
succeeded | failed; `PUT /v3/cancel/{jobId}` cancels one. A `fail_next` fault with a
`status` refuses the submit with that HTTP status and `{error_code, message}`; without one,
the job fails later with that error_code.
"""

from __future__ import annotations

import json
import random
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import firefly_edit
from .gateway import Dialect, file_url, origin, provider_route, unknown_route
from .jobs import Failure, Job, OutputSpec, Phase
from .state import SandboxState

PROVIDER = "firefly"
MODEL_VERSIONS = ("image3", "image4_standard", "image4_ultra")
SIZES = {(2048, 2048), (2304, 1792), (1792, 2304), (2688, 1536)}
TOKEN_SECONDS = 86_399
STATUS = {
    Phase.QUEUED: "pending",
    Phase.THROTTLED: "pending",
    Phase.RUNNING: "running",
    Phase.SUCCEEDED: "succeeded",
    Phase.FAILED: "failed",
    Phase.CANCELLED: "cancelled",
}


def _error(status: int, message: str, code: str = "bad_request") -> Response:
    return JSONResponse({"error_code": code, "message": message}, status_code=status)


def _http_error(status: int, message: str) -> Response:
    codes = {401: "unauthorized", 403: "access_error", 404: "not_found", 429: "too_many_requests"}
    return _error(status, message, codes.get(status, "runtime_error" if status >= 500
                                              else "bad_request"))


@dataclass
class TokenTable:
    """Issued IMS tokens -> client id. Forgotten on reset, like a fresh IMS."""

    tokens: dict[str, str] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)  # /v2/storage/image, by id

    def reset(self) -> None:
        self.tokens.clear()
        self.uploads.clear()

    def reset_credits(self) -> None:
        pass


class FireflyInputError(Exception):
    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


def _int(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FireflyInputError(f"must be an integer between {low} and {high}", name)
    return value


def validate(body: Any) -> tuple[str, int, list[int] | None, int, int]:
    """(prompt, variations, seeds, width, height) of a GenerateImagesRequest, or raise."""
    if not isinstance(body, dict):
        raise FireflyInputError("expected a JSON object", "body")
    known = {"prompt", "negativePrompt", "numVariations", "seeds", "size", "contentClass",
             "visualIntensity", "style", "structure", "promptBiasingLocaleCode", "tileable"}
    for name in body:
        if name not in known:
            raise FireflyInputError("unknown field", name)
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not 1 <= len(prompt) <= 1024:
        raise FireflyInputError("is required, 1 to 1024 characters", "prompt")
    negative = body.get("negativePrompt")
    if negative is not None and (not isinstance(negative, str) or len(negative) > 1024):
        raise FireflyInputError("must be a string of at most 1024 characters", "negativePrompt")
    variations = _int(body, "numVariations", 1, 4) or 1
    seeds = body.get("seeds")
    if seeds is not None and (not isinstance(seeds, list) or len(seeds) != variations
                              or not all(isinstance(s, int) and not isinstance(s, bool)
                                         for s in seeds)):
        raise FireflyInputError("must be a list of integers, one per variation", "seeds")
    size = body.get("size", {"width": 2048, "height": 2048})
    dims = (size.get("width"), size.get("height")) if isinstance(size, dict) else (0, 0)
    if dims not in SIZES:
        raise FireflyInputError(f"unsupported size; use one of {sorted(SIZES)}", "size")
    width, height = int(dims[0]), int(dims[1])
    if body.get("contentClass") not in (None, "photo", "art"):
        raise FireflyInputError("must be photo or art", "contentClass")
    _int(body, "visualIntensity", 2, 10)
    style = body.get("style")
    if style is not None:
        presets = style.get("presets", []) if isinstance(style, dict) else None
        if not isinstance(presets, list) or not all(isinstance(p, str) for p in presets):
            raise FireflyInputError("must be a list of preset ids", "style.presets")
        _int(style, "strength", 0, 100)
    return prompt, variations, seeds, width, height


def routes(state: SandboxState) -> list[Route]:
    table = TokenTable()
    state.extensions[PROVIDER] = table

    def authorize(request: Request) -> Response | None:
        if request.url.path.endswith("/ims/token/v3"):
            return None  # IMS checks the form itself
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        client_id = table.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if client_id is None:
            return _error(401, "Oauth token is not valid", "unauthorized")
        if request.headers.get("x-api-key") != client_id:
            return _error(403, "x-api-key does not match the token's client id", "access_error")
        return None

    dialect = Dialect(PROVIDER, authorize, _http_error)

    async def ims_token(request: Request, body: bytes) -> Response:
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or not secret or secret.startswith("revoked"):
            return JSONResponse({"error": "invalid_client",
                                 "error_description": "invalid client_secret parameter"},
                                status_code=401)
        if "firefly_api" not in form.get("scope", "").split(","):
            return JSONResponse({"error": "invalid_scope",
                                 "error_description": "firefly_api scope is required"},
                                status_code=400)
        token = "sandbox-ims-" + secrets.token_hex(16)
        table.tokens[token] = client_id
        return JSONResponse({"access_token": token, "token_type": "bearer",
                             "expires_in": TOKEN_SECONDS})

    async def generate(request: Request, body: bytes) -> Response:
        version = request.headers.get("x-model-version")
        if version is not None and version not in MODEL_VERSIONS:
            return _error(400, f"x-model-version must be one of {', '.join(MODEL_VERSIONS)}",
                          "validation_error")
        try:
            payload = json.loads(body) if body else None
            prompt, variations, seeds, width, height = validate(payload)
            assert isinstance(payload, dict)  # validate() checked it
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error(400, "Request body is not valid JSON")
        except FireflyInputError as exc:
            return JSONResponse({"error_code": "validation_error",
                                 "message": "Request validation failed",
                                 "validation_errors": [{"path": exc.path, "message": str(exc)}]},
                                status_code=400)
        fault = state.faults.take("fail_next", PROVIDER)
        if fault is not None and fault.options.get("status"):
            return _error(fault.options["status"], fault.options.get("message", "Sandbox fault"),
                          fault.options.get("code", "bad_request"))
        job_id = str(uuid.uuid4())
        seeds = seeds or [random.randrange(0, 2**31) for _ in range(variations)]
        outputs = tuple(OutputSpec(f"{job_id}_{i}.png", prompt, seed, width, height, "png")
                        for i, seed in enumerate(seeds))
        timing = state.timing()
        job = Job(PROVIDER, version or "image3", created_at=state.clock.now(),
                  queue_seconds=timing.queue_seconds, run_seconds=timing.run_seconds,
                  outputs=outputs, log_steps=state.config.log_lines, id=job_id,
                  meta={"seeds": seeds, "size": {"width": width, "height": height},
                        "contentClass": payload.get("contentClass")})
        if fault is not None:
            job.failure = Failure(fault.options.get("code", "runtime_error"),
                                  fault.options.get("message", "Sandbox: generation failed "
                                                               "(injected fault)"))
        state.jobs.add(job)
        base = f"{origin(request)}/{PROVIDER}/v3"
        return JSONResponse({"jobId": job_id, "statusUrl": f"{base}/status/{job_id}",
                             "cancelUrl": f"{base}/cancel/{job_id}"}, status_code=202)

    async def status(request: Request, body: bytes) -> Response:
        job = state.jobs.get(request.path_params["job_id"], PROVIDER)
        if job is None:
            return _error(404, "Job not found", "not_found")
        now = state.clock.now()
        phase = job.phase(now)
        answer: dict[str, Any] = {"jobId": job.id, "status": STATUS[phase]}
        if phase is Phase.RUNNING:
            answer["progress"] = round(job.progress(now) * 100)
        if phase is Phase.SUCCEEDED:
            stored = job.register_outputs(state.files)
            for item in stored:
                await state.files.render(item)
            answer["result"] = {
                "size": job.meta["size"], "contentClass": job.meta["contentClass"],
                "outputs": [{"seed": seed, "image": {"url": file_url(request, item.name)}}
                            for seed, item in zip(job.meta["seeds"], stored, strict=True)]}
        if phase is Phase.FAILED and job.failure:
            answer.update(error_code=job.failure.code, message=job.failure.message)
        return JSONResponse(answer)

    async def cancel(request: Request, body: bytes) -> Response:
        job = state.jobs.get(request.path_params["job_id"], PROVIDER)
        if job is None:
            return _error(404, "Job not found", "not_found")
        if not job.cancel(state.clock.now()):
            return _error(409, "Job already finished", "bad_request")
        return JSONResponse({"jobId": job.id, "status": "cancelled"})

    return [
        provider_route(state, dialect, "/ims/token/v3", ims_token, ["POST"]),
        provider_route(state, dialect, "/v3/images/generate-async", generate, ["POST"]),
        provider_route(state, dialect, "/v3/status/{job_id}", status, ["GET"], is_poll=True),
        provider_route(state, dialect, "/v3/cancel/{job_id}", cancel, ["PUT"]),
        *firefly_edit.routes(state, dialect, table.uploads),
        unknown_route(state, dialect, "See /ims/token/v3, /v3/images/generate-async, "
                                      "fill-async, expand-async, /v2/storage/image, "
                                      "/v3/status/{jobId}, /v3/cancel/{jobId}."),
    ]
