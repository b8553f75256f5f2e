"""RunPod pods under /runpod_pods: REST at /v1 (stands in for https://rest.runpod.io/v1),
GraphQL at /graphql (GPU types and the account), and each pod's proxy at
/proxy/{podId}-{port} (stands in for https://{podId}-{port}.proxy.runpod.net).

A pod follows the sandbox clock: CREATED for `boot_seconds` after a create, start or
restart, then RUNNING; stop makes it EXITED; terminate removes it (its bill stays). It
bills per second while it is up (booting included, as RunPod does): billed = seconds x
price / 3600, shown by GET /v1/billing/pods and taken from the balance. A running pod
that exposes 8188/http serves a ComfyUI of its own (sandbox/comfyui.py) behind its proxy;
before that, the proxy answers 502 like RunPod's. Faults use the provider name `runpod`
(server_errors hits the reads). Switches: POST /_sandbox/runpod_pods {"boot_seconds": s}.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from studio.providers.runpod_pods import SANDBOX_MOUNT

from . import comfyui
from .gateway import Dialect, provider_route, unknown_route
from .state import SandboxState

PROVIDER = "runpod"  # fault switches and the request log name RunPod
MOUNT = SANDBOX_MOUNT
START_BALANCE = 100.0
COMFY_PORT = "8188/http"

# The sandbox's own GPU list (prices in USD per GPU-hour: illustrative, like RunPod's).
GPU_TYPES: tuple[dict[str, Any], ...] = (
    {"id": "NVIDIA RTX A5000", "displayName": "RTX A5000", "memoryInGb": 24,
     "secureCloud": True, "communityCloud": True, "securePrice": 0.27,
     "communityPrice": 0.16, "lowestPrice": {"stockStatus": "Medium"}},
    {"id": "NVIDIA GeForce RTX 4090", "displayName": "RTX 4090", "memoryInGb": 24,
     "secureCloud": True, "communityCloud": True, "securePrice": 0.69,
     "communityPrice": 0.34, "lowestPrice": {"stockStatus": "High"}},
    {"id": "NVIDIA A100 80GB PCIe", "displayName": "A100 PCIe", "memoryInGb": 80,
     "secureCloud": True, "communityCloud": False, "securePrice": 1.64,
     "communityPrice": None, "lowestPrice": {"stockStatus": "Low"}},
    {"id": "NVIDIA H100 80GB HBM3", "displayName": "H100 SXM", "memoryInGb": 80,
     "secureCloud": True, "communityCloud": False, "securePrice": 2.99,
     "communityPrice": None, "lowestPrice": {"stockStatus": None}},
)
TEMPLATES: tuple[dict[str, Any], ...] = (
    {"id": "runpod-comfyui", "name": "ComfyUI", "imageName": "runpod/comfyui:latest",
     "ports": [COMFY_PORT, "22/tcp"], "isServerless": False},
    {"id": "runpod-torch-v240", "name": "RunPod Pytorch 2.4",
     "imageName": "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
     "ports": ["8888/http", "22/tcp"], "isServerless": False},
)
VOLUMES: tuple[dict[str, Any], ...] = (
    {"id": "sandboxvol01", "name": "models", "size": 100, "dataCenterId": "EU-RO-1"},
)


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message, "status": status}, status_code=status)


def _authorize(request: Request) -> Response | None:
    value = request.headers.get("authorization", "")
    key = value.partition(" ")[2] if value.startswith("Bearer ") else ""
    if not key.strip():
        return _error(401, "Unauthorized: send your RunPod API key as 'Authorization: Bearer ...'")
    return None


DIALECT = Dialect(PROVIDER, _authorize, _error)


@dataclass
class SandboxPod:
    id: str
    body: dict[str, Any]
    price: float  # USD per hour, all GPUs
    gpu: str
    cloud: str
    ports: list[str]
    image: str
    up_since: float | None  # sandbox time of the last (re)start; None while stopped
    billed_before: float = 0.0  # seconds billed by earlier runs
    comfy: Router | None = None

    def status(self, now: float, boot: float) -> str:
        if self.up_since is None:
            return "EXITED"
        return "RUNNING" if now - self.up_since >= boot else "CREATED"

    def seconds(self, now: float) -> float:
        return self.billed_before + (now - self.up_since if self.up_since is not None else 0.0)


@dataclass
class PodCloud:
    state: SandboxState
    pods: dict[str, SandboxPod] = field(default_factory=dict)
    gone: dict[str, SandboxPod] = field(default_factory=dict)  # terminated: bills remain
    boot_seconds: float = 1.0

    def reset(self) -> None:
        self.pods.clear()
        self.gone.clear()
        self.boot_seconds = 1.0

    def reset_credits(self) -> None:
        """The balance follows the bills; nothing to restore."""

    def now(self) -> float:
        return self.state.clock.now()

    def billed(self, pod: SandboxPod) -> float:
        return pod.seconds(self.now()) * pod.price / 3600

    def describe(self, pod: SandboxPod) -> dict[str, Any]:
        now = self.now()
        status = pod.status(now, self.boot_seconds)
        started = (self.state.clock.iso(pod.up_since + self.boot_seconds)
                   if status == "RUNNING" and pod.up_since is not None else None)
        return {
            "id": pod.id, "name": pod.body.get("name") or pod.id, "desiredStatus": status,
            "costPerHr": pod.price, "adjustedCostPerHr": pod.price,
            "gpu": {"id": pod.gpu, "count": pod.body.get("gpuCount", 1),
                    "displayName": pod.gpu},
            "image": pod.image, "templateId": pod.body.get("templateId"),
            "networkVolumeId": pod.body.get("networkVolumeId"), "ports": pod.ports,
            "cloudType": pod.cloud, "lastStartedAt": started,
            "machine": {"gpuTypeId": pod.gpu}, "publicIp": None,
        }

    def comfy_for(self, pod: SandboxPod) -> Router:
        if pod.comfy is None:
            server = comfyui.ComfyServer(self.state)
            pod.comfy = Router(routes=comfyui.routes(self.state, server))
        return pod.comfy


def _create(cloud: PodCloud, body: Any) -> Response:
    if not isinstance(body, dict):
        return _error(400, "body must be a JSON object")
    gpu_ids = body.get("gpuTypeIds")
    if not isinstance(gpu_ids, list) or not gpu_ids:
        return _error(400, "gpuTypeIds: at least one GPU type id is required")
    kind = str(body.get("cloudType") or "SECURE").upper()
    if kind not in ("SECURE", "COMMUNITY"):
        return _error(400, "cloudType must be SECURE or COMMUNITY")
    field_name = "securePrice" if kind == "SECURE" else "communityPrice"
    gpu = next((g for g in GPU_TYPES if g["id"] in gpu_ids and g.get(field_name) is not None
                and (g.get("lowestPrice") or {}).get("stockStatus")), None)
    if gpu is None:
        known = {g["id"] for g in GPU_TYPES}
        if not set(map(str, gpu_ids)) & known:
            return _error(400, f"unknown gpuTypeIds {gpu_ids}")
        return _error(500, "There are no longer any instances available with the requested "
                           "specifications. Please refresh and try again.")
    template = None
    if body.get("templateId"):
        template = next((t for t in TEMPLATES if t["id"] == body["templateId"]), None)
        if template is None:
            return _error(400, f"templateId {body['templateId']!r} not found")
    image = body.get("imageName") or (template or {}).get("imageName")
    if not image:
        return _error(400, "imageName or templateId is required")
    volume = body.get("networkVolumeId")
    if volume and not any(v["id"] == volume for v in VOLUMES):
        return _error(400, f"networkVolumeId {volume!r} not found")
    ports = body.get("ports") or (template or {}).get("ports") or []
    count = body.get("gpuCount", 1)
    count = count if isinstance(count, int) and count >= 1 else 1
    pod = SandboxPod(id=secrets.token_hex(7), body=body, price=round(gpu[field_name] * count, 6),
                     gpu=gpu["id"], cloud=kind, ports=[str(p) for p in ports], image=image,
                     up_since=cloud.now())
    cloud.pods[pod.id] = pod
    return JSONResponse(cloud.describe(pod), status_code=201)


def routes(state: SandboxState) -> list[BaseRoute]:
    cloud = PodCloud(state)
    state.extensions["runpod_pods"] = cloud

    def find(request: Request) -> SandboxPod | None:
        return cloud.pods.get(request.path_params["pod_id"])

    async def list_pods(request: Request, body: bytes) -> Response:
        return JSONResponse([cloud.describe(p) for p in cloud.pods.values()])

    async def get_pod(request: Request, body: bytes) -> Response:
        pod = find(request)
        return _error(404, "pod not found") if pod is None else JSONResponse(cloud.describe(pod))

    async def create(request: Request, body: bytes) -> Response:
        try:
            payload = json.loads(body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, "body must be JSON")
        return _create(cloud, payload)

    async def action(request: Request, body: bytes) -> Response:
        pod = find(request)
        if pod is None:
            return _error(404, "pod not found")
        what, now = request.path_params["action"], cloud.now()
        if what == "start" and pod.up_since is None:
            pod.up_since = now
        elif what == "stop" and pod.up_since is not None:
            pod.billed_before, pod.up_since, pod.comfy = pod.seconds(now), None, None
        elif what == "restart":
            if pod.up_since is None:
                return _error(400, "pod is not running; start it instead")
            pod.billed_before, pod.up_since, pod.comfy = pod.seconds(now), now, None
        elif what not in ("start", "stop"):
            return _error(404, f"unknown action {what!r}")
        return JSONResponse(cloud.describe(pod))

    async def terminate(request: Request, body: bytes) -> Response:
        pod = cloud.pods.pop(request.path_params["pod_id"], None)
        if pod is None:
            return _error(404, "pod not found")
        now = cloud.now()
        pod.billed_before, pod.up_since, pod.comfy = pod.seconds(now), None, None
        cloud.gone[pod.id] = pod
        return Response(status_code=204)

    async def templates(request: Request, body: bytes) -> Response:
        return JSONResponse(list(TEMPLATES))

    async def volumes(request: Request, body: bytes) -> Response:
        return JSONResponse(list(VOLUMES))

    async def billing(request: Request, body: bytes) -> Response:
        every = [*cloud.pods.values(), *cloud.gone.values()]
        return JSONResponse([{"podId": p.id, "amount": round(cloud.billed(p), 9),
                              "timeBilledMs": round(p.seconds(cloud.now()) * 1000),
                              "time": state.clock.iso(cloud.now())} for p in every])

    async def graphql(request: Request, body: bytes) -> Response:
        try:
            query = str(json.loads(body or b"{}").get("query") or "")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            return _error(400, "body must be a JSON object with a query")
        data: dict[str, Any] = {}
        if "gpuTypes" in query:
            data["gpuTypes"] = list(GPU_TYPES)
        if "myself" in query:
            every = [*cloud.pods.values(), *cloud.gone.values()]
            spent = sum(cloud.billed(p) for p in every)
            per_hour = sum(p.price for p in cloud.pods.values() if p.up_since is not None)
            data["myself"] = {"id": "sandbox-user",
                              "clientBalance": round(START_BALANCE - spent, 9),
                              "currentSpendPerHr": round(per_hour, 6), "spendLimit": 80}
        if not data:
            return JSONResponse({"errors": [{"message": "the sandbox answers gpuTypes and myself "
                                                        "only"}]})
        return JSONResponse({"data": data})

    def route(path: str, handler: Any, method: str, read: bool = False) -> Route:
        return provider_route(state, DIALECT, path, handler, [method], is_poll=read)

    return [
        route("/v1/pods", list_pods, "GET", read=True),
        route("/v1/pods", create, "POST"),
        route("/v1/pods/{pod_id}", get_pod, "GET", read=True),
        route("/v1/pods/{pod_id}", terminate, "DELETE"),
        route("/v1/pods/{pod_id}/{action}", action, "POST"),
        route("/v1/templates", templates, "GET", read=True),
        route("/v1/networkvolumes", volumes, "GET", read=True),
        route("/v1/billing/pods", billing, "GET", read=True),
        route("/graphql", graphql, "POST", read=True),
        Mount("/proxy/{proxy_id}", app=PodProxy(cloud)),
        unknown_route(state, DIALECT, "See /v1/pods, /v1/templates, /graphql."),
    ]


class PodProxy:
    """{podId}-{port}: the pod's ComfyUI while it runs and exposes the port, else 502."""

    def __init__(self, cloud: PodCloud) -> None:
        self.cloud = cloud

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        pod_id, _, port = str(scope.get("path_params", {}).get("proxy_id", "")).rpartition("-")
        pod = self.cloud.pods.get(pod_id)
        up = pod is not None and pod.status(self.cloud.now(), self.cloud.boot_seconds) == "RUNNING"
        if pod is None or not up or f"{port}/http" not in pod.ports or port != "8188":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1013})
                return
            await PlainTextResponse("502 Bad Gateway: the pod is not running or the port is "
                                    "not ready", status_code=502)(scope, receive, send)
            return
        await self.cloud.comfy_for(pod)(scope, receive, send)


def admin_routes(state: SandboxState) -> list[BaseRoute]:
    async def switches(request: Request) -> Response:
        cloud = state.extensions["runpod_pods"]
        assert isinstance(cloud, PodCloud)
        if request.method == "POST":
            try:
                spec = json.loads(await request.body() or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError):
                return JSONResponse({"error": "body must be JSON"}, status_code=400)
            value = spec.get("boot_seconds") if isinstance(spec, dict) else None
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                return JSONResponse({"error": 'expected {"boot_seconds": s >= 0}'},
                                    status_code=400)
            cloud.boot_seconds = float(value)
        return JSONResponse({"boot_seconds": cloud.boot_seconds, "pods": len(cloud.pods)})

    return [Route("/_sandbox/runpod_pods", switches, methods=["GET", "POST"])]
