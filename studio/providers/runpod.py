"""RunPod Serverless: /run, /status/{id}, /cancel/{id} and /health of one endpoint.

The endpoint is `<base URL>/<endpoint_id>`: put the endpoint id in the RunPod base URL
setting (https://api.runpod.ai/v2/<endpoint id>, which also lets health() show its queue
and workers) or per job in params.endpoint_id. Two kinds of worker: the ComfyUI worker
(runpod-workers/worker-comfyui: {"input": {"workflow", "images"}}), reusing the ComfyUI
templates, and a raw mode for custom workers that sends a JSON object as the input.
Statuses: IN_QUEUE, IN_PROGRESS or RUNNING (both appear on RunPod's job-states page),
COMPLETED, FAILED, CANCELLED, TIMED_OUT. Prices: runpod_pricing (GPU rate x run time).
Docs: https://docs.runpod.io/serverless/endpoints/send-requests
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import Field

from studio.providers.base import (
    Capabilities,
    Failed,
    Health,
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
from studio.providers.comfy_workflows import WorkflowTemplate, build_params_model, bundled_templates
from studio.providers.comfyui import random_seed, upload_name
from studio.providers.fal import progress_from_logs
from studio.providers.http import parse_json, send
from studio.providers.images import data_uri
from studio.providers.info import ImageTransport
from studio.providers.runpod_pricing import PRICING, RunPodOptions, actual, estimate


def _endpoint_field() -> Any:
    return Field("", pattern=r"^[A-Za-z0-9_-]{0,64}$", description=(
        "RunPod endpoint id (from the console). Leave empty to use the endpoint in the RunPod "
        "base URL setting: https://api.runpod.ai/v2/<endpoint id>"))

_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF8", "image/gif"), (b"\x1a\x45\xdf\xa3", "video/webm"))
_MEDIA_KEYS = ("data", "url", "image", "video", "message", "output", "result", "file")


class RawParams(ParamsBase):
    input: dict[str, Any] = Field(default_factory=dict, description=(
        "The worker's input object, sent as {\"input\": ...}; the prompt is added as "
        "input.prompt unless it has one"))
    endpoint_id: str = _endpoint_field()


def endpoint_url(base_url: str, endpoint_id: str) -> str:
    return f"{base_url}/{endpoint_id}" if endpoint_id else base_url


def is_api_root(base_url: str) -> bool:
    """True for https://api.runpod.ai/v2 itself: no endpoint id in the base URL."""
    return urlsplit(base_url).path.rstrip("/").endswith("/v2")


def sniff(data: bytes) -> str | None:
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return None


def _media(value: str, filename: str | None) -> RemoteOutput | None:
    if value.startswith(("https://", "http://", "data:")):
        return RemoteOutput(url=value, filename=filename)
    if len(value) < 32:
        return None
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    kind = sniff(data[:16])
    return RemoteOutput(data=data, media_type=kind, filename=filename) if kind else None


def outputs_from(output: Any) -> list[RemoteOutput]:
    """Images and videos in a worker's output: URLs, data URIs or base64, at any depth."""
    found: list[RemoteOutput] = []

    def visit(value: Any, depth: int, key: str | None, filename: str | None) -> None:
        if depth > 5 or len(found) >= 32:
            return
        if isinstance(value, str):
            if key is None or any(k in key.lower() for k in _MEDIA_KEYS):
                media = _media(value, filename)
                if media is not None:
                    found.append(media)
        elif isinstance(value, list):
            for item in value:
                visit(item, depth + 1, None, None)
        elif isinstance(value, dict):
            name = value.get("filename") if isinstance(value.get("filename"), str) else None
            for k, v in value.items():
                if k != "filename":
                    visit(v, depth + 1, str(k), name)

    visit(output, 0, None, None)
    return found


def _error_text(error: Any) -> str:
    """RunPod errors are text, often JSON from the SDK ({error_type, error_message})."""
    if isinstance(error, str) and error.strip().startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):
            error = json.loads(error)
    if isinstance(error, dict):
        return str(error.get("error_message") or error.get("message") or error.get("error")
                   or error)[:500]
    return str(error or "the job failed without a reason")[:500]


class RunPodProvider(Provider):
    info = ProviderInfo(
        id="runpod",
        name="RunPod Serverless",
        kinds=(Kind.IMAGE, Kind.VIDEO),
        key=KeySpec(env=("RUNPOD_API_KEY",), keyring_entry="runpod"),
        docs_url="https://docs.runpod.io/serverless/endpoints/send-requests",
        pricing_url="https://www.runpod.io/pricing",
        default_base_url="https://api.runpod.ai/v2",
        address_in_settings=True,
        notes="Your own serverless endpoint, billed per GPU-second. Set the base URL to "
              "https://api.runpod.ai/v2/<endpoint id> (or give endpoint_id per job). Results "
              "are kept 30 minutes after a job completes. Name your endpoint's GPU type in "
              "Settings (provider_options.runpod) for its price.",
        sandbox="studio.sandbox.runpod:routes",
        price_sources=(PRICING,),
        image_transport=ImageTransport.INLINE,
    )
    poll_hint = PollHint(min_interval=0.5, max_interval=5.0)
    options_model = RunPodOptions

    def __init__(self, env: Mapping[str, str] | None = None,
                 templates: Sequence[WorkflowTemplate] | None = None) -> None:
        super().__init__(env)
        self.templates: dict[str, WorkflowTemplate] = {}
        self.models: dict[str, ModelInfo] = {}
        for template in bundled_templates() if templates is None else templates:
            self.add_workflow(template)
        raw = "Any custom worker: the input object is sent as it is"
        for mode in (Mode.TXT2IMG, Mode.TXT2VIDEO):
            model_id = f"raw/{mode.kind.value}"
            self.models[model_id] = ModelInfo(
                model_id, f"Custom worker, raw JSON ({mode.kind.value})", (mode,), RawParams,
                estimate, Capabilities(seed=False), raw, {"worker": "raw"})

    def add_workflow(self, template: WorkflowTemplate) -> ModelInfo:
        params = build_params_model(template, {"endpoint_id": (str, _endpoint_field())})
        model = ModelInfo(f"comfyui/{template.id}", f"{template.name} (ComfyUI worker)",
                          template.modes, params, estimate, template.capabilities(),
                          template.description, {"worker": "comfyui", "workflow": template.id})
        self.templates[template.id] = template
        self.models[model.id] = model
        return model

    def _headers(self, ctx: ProviderContext) -> dict[str, str]:
        return {"Authorization": f"Bearer {ctx.key or ''}"}

    def build(
        self,
        request: RenderRequest,
        params: ParamsBase,
        images: Sequence[InputImage],
        ctx: ProviderContext,
    ) -> PreparedCall:
        model = self.model(request.model)
        values = params.model_dump(mode="json")
        endpoint = endpoint_url(ctx.base_url, values.pop("endpoint_id", ""))
        if model.metadata["worker"] == "comfyui":
            template = self.templates[model.metadata["workflow"]]
            names = [upload_name(image) for image in images]
            seed = request.seed if request.seed is not None else random_seed()
            graph = template.apply(values, prompt=request.prompt,
                                   negative=request.negative_prompt, seed=seed, images=names)
            payload: dict[str, Any] = {"workflow": graph}
            if images:
                payload["images"] = [{"name": name, "image": data_uri(image)}
                                     for name, image in zip(names, images, strict=True)]
        else:
            payload = dict(values["input"])
            payload.setdefault("prompt", request.prompt)
        return PreparedCall("POST", f"{endpoint}/run",
                            {**self._headers(ctx), "Content-Type": "application/json"},
                            json_body={"input": payload})

    async def submit(
        self, http: httpx.AsyncClient, call: PreparedCall, ctx: ProviderContext
    ) -> Submitted:
        endpoint = call.url.removesuffix("/run")
        try:
            response = await send(http, call.method, call.url, "RunPod run",
                                  **call.send_kwargs())
        except ProviderError as exc:
            if exc.status == 404:
                raise ProviderError(f"RunPod: no endpoint at {endpoint}; put the endpoint id "
                                    "in the RunPod base URL setting or in params.endpoint_id",
                                    status=404, code="no_endpoint") from None
            raise
        body = parse_json(response, "RunPod run")
        job_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(job_id, str) or not job_id:
            raise ProviderError("RunPod run: the answer had no job id",
                                status=response.status_code, code="malformed_response")
        urls = {"status": f"{endpoint}/status/{job_id}", "cancel": f"{endpoint}/cancel/{job_id}"}
        return Submitted(RemoteHandle(job_id, urls), raw=body)

    async def poll(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> PollResult:
        response = await send(http, "GET", handle.urls["status"], "RunPod status",
                              headers=self._headers(ctx))
        job = parse_json(response, "RunPod status")
        status = job.get("status") if isinstance(job, dict) else None
        if status == "IN_QUEUE":
            return Pending("queued", message="waiting for a worker", raw=job)
        if status in ("IN_PROGRESS", "RUNNING"):
            note = job.get("output") if isinstance(job.get("output"), str) else None
            progress = progress_from_logs([note]) if note else None
            return Pending("running", progress=progress, message=note, raw=job)
        if status == "COMPLETED":
            output = job.get("output")
            if isinstance(output, dict) and output.get("error"):
                return Failed(f"RunPod worker: {_error_text(output['error'])}",
                              code="worker_error", raw=job)
            outputs = outputs_from(output)
            if not outputs:
                return Failed("RunPod: the job completed but its output had no image or video "
                              "(URL, data URI or base64)", code="no_output", raw=job)
            return Succeeded(outputs=outputs, message=_timing(job), raw=job,
                             actual=_actual(job, handle, ctx.options))
        if status == "FAILED":
            return Failed(f"RunPod: {_error_text(job.get('error'))}", code="failed", raw=job)
        if status == "CANCELLED":
            return Failed("cancelled at RunPod", code="cancelled", raw=job)
        if status == "TIMED_OUT":
            return Failed("RunPod: the job ran past the endpoint's execution timeout",
                          code="timed_out", retryable=True, raw=job)
        raise ProviderError(f"RunPod status: unexpected status {status!r}",
                            code="malformed_response", retryable=True)

    async def cancel(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> bool:
        try:
            await send(http, "POST", handle.urls["cancel"], "RunPod cancel",
                       headers=self._headers(ctx))
        except ProviderError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def health(self, http: httpx.AsyncClient, ctx: ProviderContext) -> Health | None:
        """Queue depth and workers of the endpoint in the base URL (None without one)."""
        if not ctx.key or is_api_root(ctx.base_url):
            return None
        try:
            response = await send(http, "GET", f"{ctx.base_url}/health", "RunPod health",
                                  headers=self._headers(ctx), timeout=10.0)
        except ProviderError as exc:
            if exc.status == 404:
                return Health(False, f"no RunPod endpoint at {ctx.base_url}")
            raise
        return Health(True, describe_health(parse_json(response, "RunPod health")))


def describe_health(body: Any) -> str:
    jobs = body.get("jobs") if isinstance(body, dict) else None
    workers = body.get("workers") if isinstance(body, dict) else None
    jobs = jobs if isinstance(jobs, dict) else {}
    workers = workers if isinstance(workers, dict) else {}
    return (f"{jobs.get('inQueue', 0)} queued, {jobs.get('inProgress', 0)} in progress; "
            f"workers: {workers.get('running', 0)} running, {workers.get('idle', 0)} idle"
            + (f", {workers['unhealthy']} unhealthy" if workers.get("unhealthy") else ""))


def _actual(job: dict[str, Any], handle: RemoteHandle,
            options: Mapping[str, Any]) -> Price | None:
    """executionTime x the endpoint's rate, when RunPod reported the execution time."""
    run = job.get("executionTime")
    if isinstance(run, bool) or not isinstance(run, int | float):
        return None
    path = urlsplit(handle.urls.get("status", "")).path.rstrip("/").split("/")
    endpoint = path[-3] if len(path) >= 3 and path[-2] == "status" else ""
    return actual(options, endpoint, float(run))


def _timing(job: dict[str, Any]) -> str | None:
    run, wait = job.get("executionTime"), job.get("delayTime")
    if not isinstance(run, int | float):
        return None
    queued = f" after {wait / 1000:.1f} s in the queue" if isinstance(wait, int | float) else ""
    return f"ran {run / 1000:.1f} s on RunPod{queued}"


PROVIDER = RunPodProvider
