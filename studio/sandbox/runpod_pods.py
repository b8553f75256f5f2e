"""RunPod pods under /runpod_pods: REST v2 at /v2 (stands in for https://api.runpod.io/v2),
GraphQL at /graphql (the account only), and each pod's proxy at /proxy/{podId}-{port}
(stands in for https://{podId}-{port}.proxy.runpod.net).

Shapes follow RunPod's v2 OpenAPI schema (github.com/runpod/docs, api-reference-v2/
openapi.json at a900806e253c4f8c16da27d1a4370e72456da4cb; see providers/runpod_pods.py):
wrapped lists ({"pods": [...]}), the nested create body, `POST /v2/pods/{id}/action`,
RFC 9457 problem errors ({title, status, detail, errors?}) and 409 for an action the pod's
status does not allow (its `actions`).

A pod follows the sandbox clock: after a create it is PROVISIONING for
`provision_seconds` (default 0.5), then STARTING until `boot_seconds` (default 1) have
passed, then RUNNING; a start or restart goes through STARTING only (the pod keeps its
machine); stop makes it EXITED; terminate removes it (its bill stays). It bills per second
while it is up (booting included): billed = seconds x price / 3600, shown by GET
/v2/billing/pods and taken from the balance; its `cost` is the price per hour while up,
0.0 when EXITED. A running pod that exposes 8188/http serves a ComfyUI of its own
(sandbox/comfyui.py) behind its proxy; before that, the proxy answers 502 like RunPod's.
Faults use the provider name `runpod` (server_errors hits the reads). Switches: POST
/_sandbox/runpod_pods {"boot_seconds": s, "provision_seconds": s}.
"""

from __future__ import annotations

import json
import re
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
CLOUDS = ("SECURE", "COMMUNITY")

# The sandbox's own GPU catalog (v2 GpuType; prices in USD per GPU-hour: illustrative, like
# RunPod's). `stock` is the pod availability per cloud (NONE when none is free).
GPU_TYPES: tuple[dict[str, Any], ...] = (
    {"id": "NVIDIA RTX A5000", "name": "RTX A5000", "pool": "AMPERE_24", "memory": 24,
     "secure": True, "community": True, "price": {"secure": 0.27, "community": 0.16},
     "maxCount": {"secure": 8, "community": 4},
     "stock": {"SECURE": "MEDIUM", "COMMUNITY": "MEDIUM"}},
    {"id": "NVIDIA GeForce RTX 4090", "name": "RTX 4090", "pool": "ADA_24", "memory": 24,
     "secure": True, "community": True, "price": {"secure": 0.69, "community": 0.34},
     "maxCount": {"secure": 8, "community": 4},
     "stock": {"SECURE": "HIGH", "COMMUNITY": "HIGH"}},
    {"id": "NVIDIA A100 80GB PCIe", "name": "A100 PCIe", "pool": "AMPERE_80", "memory": 80,
     "secure": True, "community": False, "price": {"secure": 1.64, "community": 0.0},
     "maxCount": {"secure": 8, "community": 0},
     "stock": {"SECURE": "LOW", "COMMUNITY": "NONE"}},
    {"id": "NVIDIA H100 80GB HBM3", "name": "H100 SXM", "pool": "HOPPER_80", "memory": 80,
     "secure": True, "community": False, "price": {"secure": 2.99, "community": 0.0},
     "maxCount": {"secure": 8, "community": 0},
     "stock": {"SECURE": "NONE", "COMMUNITY": "NONE"}},
)


def _template(tid: str, name: str, image: str, ports: list[str], *, public: bool,
              serverless: bool = False) -> dict[str, Any]:
    return {"id": tid, "name": name, "image": image, "args": "", "disk": 50,
            "mounts": {"persistent": {"size": 20, "path": "/workspace"}}, "ports": ports,
            "env": {}, "registry": None, "serverless": serverless, "public": public,
            "category": "NVIDIA", "startSsh": True, "startJupyter": False,
            "allowedCudaVersions": []}


# Your own templates (GET /v2/templates) and RunPod's official ones (/v2/catalog/templates).
TEMPLATES: tuple[dict[str, Any], ...] = (
    _template("runpod-torch-v240", "RunPod Pytorch 2.4",
              "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
              ["8888/http", "22/tcp"], public=False),
    _template("my-serverless-worker", "My serverless worker", "me/worker:1", [],
              public=False, serverless=True),
)
OFFICIAL_TEMPLATES: tuple[dict[str, Any], ...] = (
    _template("runpod-comfyui", "ComfyUI", "runpod/comfyui:latest", [COMFY_PORT, "22/tcp"],
              public=True),
)
VOLUMES: tuple[dict[str, Any], ...] = (
    {"id": "sandboxvol01", "name": "models", "size": 100, "dataCenter": "EU-RO-1",
     "type": "STANDARD"},
)
CREATE_FIELDS = {"name", "image", "args", "disk", "ports", "env", "registry", "cloud", "cpu",
                 "dataCenterIds", "globalNetworking", "gpu", "mounts", "startJupyter",
                 "startSsh", "templateId"}
ACTIONS = {"RUNNING": ["stop", "restart", "terminate"], "EXITED": ["start", "terminate"],
           "ERROR": ["start", "terminate"], "PROVISIONING": ["stop", "terminate"],
           "STARTING": ["stop", "terminate"]}
_TITLES = {400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
           404: "Not Found", 409: "Conflict", 413: "Content Too Large",
           422: "Unprocessable Entity", 429: "Too Many Requests",
           500: "Internal Server Error"}


def _error(status: int, message: str, errors: list[str] | None = None) -> Response:
    """RFC 9457 problem JSON, as v2 answers every error."""
    body: dict[str, Any] = {"title": _TITLES.get(status, "Error"), "status": status,
                            "detail": message}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _invalid(*errors: str) -> Response:
    return _error(422, "Request validation failed.", list(errors))


def _authorize(request: Request) -> Response | None:
    value = request.headers.get("authorization", "")
    key = value.partition(" ")[2] if value.startswith("Bearer ") else ""
    if not key.strip():
        return _error(401, "missing bearer token")
    return None


DIALECT = Dialect(PROVIDER, _authorize, _error)


@dataclass
class SandboxPod:
    id: str
    body: dict[str, Any]
    price: float  # USD per hour, all GPUs
    gpu: str
    count: int
    cloud: str
    ports: list[str]
    image: str
    created_at: float
    up_since: float | None  # sandbox time of the last (re)start; None while stopped
    provisioning: bool = True  # the first boot also allocates the machine
    billed_before: float = 0.0  # seconds billed by earlier runs
    comfy: Router | None = None

    def status(self, now: float, provision: float, boot: float) -> str:
        if self.up_since is None:
            return "EXITED"
        elapsed = now - self.up_since
        if self.provisioning and elapsed < min(provision, boot):
            return "PROVISIONING"
        return "RUNNING" if elapsed >= boot else "STARTING"

    def seconds(self, now: float) -> float:
        return self.billed_before + (now - self.up_since if self.up_since is not None else 0.0)


@dataclass
class PodCloud:
    state: SandboxState
    pods: dict[str, SandboxPod] = field(default_factory=dict)
    gone: dict[str, SandboxPod] = field(default_factory=dict)  # terminated: bills remain
    boot_seconds: float = 1.0
    provision_seconds: float = 0.5

    def reset(self) -> None:
        self.pods.clear()
        self.gone.clear()
        self.boot_seconds = 1.0
        self.provision_seconds = 0.5

    def reset_credits(self) -> None:
        """The balance follows the bills; nothing to restore."""

    def now(self) -> float:
        return self.state.clock.now()

    def status(self, pod: SandboxPod) -> str:
        return pod.status(self.now(), self.provision_seconds, self.boot_seconds)

    def billed(self, pod: SandboxPod) -> float:
        return pod.seconds(self.now()) * pod.price / 3600

    def describe(self, pod: SandboxPod) -> dict[str, Any]:
        """A v2 Pod."""
        now = self.now()
        status = self.status(pod)
        running = status == "RUNNING" and pod.up_since is not None
        ready_at = (pod.up_since or 0.0) + self.boot_seconds
        mounts = pod.body.get("mounts") if isinstance(pod.body.get("mounts"), dict) else {}
        return {
            "id": pod.id, "name": pod.body.get("name") or pod.id, "image": pod.image,
            "args": pod.body.get("args") or "", "disk": pod.body.get("disk") or 50,
            "ports": pod.ports, "env": pod.body.get("env") or {}, "registry": None,
            "status": status, "actions": ACTIONS[status], "mounts": mounts,
            "gpu": {"id": pod.gpu, "count": pod.count}, "cloud": pod.cloud,
            "dataCenterId": "EU-RO-1", "cudaVersion": "12.8",
            "ssh": {"proxy": {"host": "ssh.runpod.io", "port": 22,
                              "username": f"{pod.id}-sandbox",
                              "command": f"ssh {pod.id}-sandbox@ssh.runpod.io"},
                    "direct": None},
            "template": None,  # v2: a pod made from templateId keeps no link to it
            "cost": 0.0 if status == "EXITED" else pod.price, "locked": False,
            "globalNetworking": {"enabled": False},
            "runtime": {"uptime": int(now - ready_at), "ports": []} if running else None,
            "createdAt": self.state.clock.iso(pod.created_at),
            "startedAt": self.state.clock.iso(ready_at) if running else None,
        }

    def comfy_for(self, pod: SandboxPod) -> Router:
        if pod.comfy is None:
            server = comfyui.ComfyServer(self.state)
            pod.comfy = Router(routes=comfyui.routes(self.state, server))
        return pod.comfy


def _find_template(tid: str) -> dict[str, Any] | None:
    return next((t for t in (*TEMPLATES, *OFFICIAL_TEMPLATES) if t["id"] == tid), None)


def _create(cloud: PodCloud, body: Any) -> Response:
    """POST /v2/pods: schema errors 422 (with `errors`), rules and capacity 400, an unknown
    template 404, a serverless template 422, too little balance 402."""
    if not isinstance(body, dict):
        return _invalid("body: expected a JSON object (CreatePodRequest)")
    unknown = sorted(set(body) - CREATE_FIELDS)
    if unknown:
        return _invalid(*(f"{k}: unevaluated property not allowed" for k in unknown))
    problems = []
    if not isinstance(body.get("name"), str) or not body["name"]:
        problems.append("name: required, a non-empty string")
    if not body.get("templateId") and not body.get("image"):
        problems.append("image: required unless templateId is set")
    kind = body.get("cloud", "SECURE")
    if kind not in CLOUDS:
        problems.append("cloud: must be one of SECURE, COMMUNITY")
    gpu = body.get("gpu")
    if gpu is not None and (not isinstance(gpu, dict) or not isinstance(gpu.get("id"), str)):
        problems.append("gpu.id: required, a string")
    count = gpu.get("count", 1) if isinstance(gpu, dict) else 1
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        problems.append("gpu.count: an integer >= 1")
    ports = body.get("ports", [])
    if not isinstance(ports, list) or not all(
            isinstance(p, str) and re.match(r"^\d{1,5}/(http|tcp)$", p) for p in ports):
        problems.append("ports: a list like [\"8188/http\", \"22/tcp\"]")
    mounts = body.get("mounts", {})
    if not isinstance(mounts, dict) or set(mounts) - {"persistent", "network"}:
        problems.append("mounts: only persistent and network")
        mounts = {}
    persistent = mounts.get("persistent")
    if persistent is not None and not (
            isinstance(persistent, dict) and isinstance(persistent.get("size"), int)
            and persistent["size"] >= 10 and isinstance(persistent.get("path"), str)):
        problems.append("mounts.persistent: size >= 10 and a path")
    network = mounts.get("network")
    if network is not None and not (
            isinstance(network, list) and len(network) <= 1
            and all(isinstance(n, dict) and isinstance(n.get("volumeId"), str)
                    and isinstance(n.get("path"), str) for n in network)):
        problems.append("mounts.network: at most one {volumeId, path}")
    if problems:
        return _invalid(*problems)
    if (gpu is None) == (body.get("cpu") is None):
        return _error(400, "exactly one of gpu or cpu must be set")
    if gpu is None:
        return _error(400, "the sandbox serves GPU pods only")
    if persistent is not None and network:
        return _error(400, "mounts: persistent and network are mutually exclusive")
    template = None
    if body.get("templateId"):
        template = _find_template(str(body["templateId"]))
        if template is None:
            return _error(404, f"templateId {body['templateId']!r} not found")
        if template["serverless"]:
            return _error(422, f"template {template['id']!r} is a serverless template")
    for mount in network or []:
        if not any(v["id"] == mount["volumeId"] for v in VOLUMES):
            return _error(400, f"network volume {mount['volumeId']!r} not found")
    known = next((g for g in GPU_TYPES if g["id"] == gpu["id"]), None)
    if known is None:
        return _error(400, f"unknown GPU type {gpu['id']!r}")
    if not known["secure" if kind == "SECURE" else "community"] or \
            known["stock"][kind] == "NONE":
        return _error(400, "There are no longer any instances available with the requested "
                           "specifications. Please refresh and try again.")
    price = round(known["price"]["secure" if kind == "SECURE" else "community"] * count, 6)
    spent = sum(cloud.billed(p) for p in (*cloud.pods.values(), *cloud.gone.values()))
    if START_BALANCE - spent < price / 60:  # less than a minute's worth left
        return _error(402, "insufficient balance")
    image = body.get("image") or (template or {}).get("image")
    pod_ports = body.get("ports") or (template or {}).get("ports") or []
    now = cloud.now()
    pod = SandboxPod(id=secrets.token_hex(7), body=body, price=price, gpu=known["id"],
                     count=count, cloud=kind, ports=[str(p) for p in pod_ports],
                     image=str(image), created_at=now, up_since=now)
    cloud.pods[pod.id] = pod
    return JSONResponse(cloud.describe(pod), status_code=201)


def _catalog_gpus(request: Request) -> Response:
    """GET /v2/catalog/gpus: availability only with include=AVAILABILITY and a product."""
    query = request.query_params
    include = [v for v in query.get("include", "").split(",") if v]
    products = [v for v in query.get("product", "").split(",") if v]
    if bool(include) != bool(products):
        return _error(400, "product is required with include=AVAILABILITY, and valid only "
                           "with it")
    if (include and include != ["AVAILABILITY"]) or set(products) - {"POD", "CLUSTER",
                                                                    "SERVERLESS"}:
        return _invalid("include: AVAILABILITY; product: POD, CLUSTER, SERVERLESS")
    cloud_kind = query.get("cloud", "SECURE")
    if cloud_kind not in CLOUDS or ("cloud" in query and not include):
        return _error(400, "cloud: SECURE or COMMUNITY, valid only with include=AVAILABILITY")
    gpus = []
    for g in GPU_TYPES:
        entry = {k: v for k, v in g.items() if k != "stock"}
        entry["manufacturer"] = "NVIDIA"
        if include:
            entry["availability"] = g["stock"][cloud_kind]
            if g["stock"][cloud_kind] != "NONE":
                entry["dataCenters"] = [{"id": "EU-RO-1", "name": "EU Romania 1",
                                         "availability": g["stock"][cloud_kind]}]
        gpus.append(entry)
    return JSONResponse({"gpus": gpus})


BUCKETS = {"hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400,
           "year": 365 * 86400}


def _billing(cloud: PodCloud, request: Request) -> Response:
    """GET /v2/billing/pods: one record per pod in the current bucket (the sandbox's pods
    are younger than a bucket), the totals in `metadata`."""
    query = request.query_params
    size = query.get("bucketSize", "day")
    if size not in BUCKETS:
        return _invalid("bucketSize: one of hour, day, week, month, year")
    if "lastN" in query and ("startTime" in query or "endTime" in query):
        return _error(400, "lastN and startTime/endTime are mutually exclusive")
    now = cloud.now()
    start = now - now % BUCKETS[size]
    window = {"startTime": cloud.state.clock.iso(start),
              "endTime": cloud.state.clock.iso(start + BUCKETS[size])}
    only = query.get("podId")
    records: list[dict[str, Any]] = []
    for pod in (*cloud.pods.values(), *cloud.gone.values()):
        if only and pod.id != only:
            continue
        amount = round(cloud.billed(pod), 9)
        records.append({**window, "podId": pod.id, "totalAmount": amount,
                        "gpuAmount": amount, "cpuAmount": 0, "diskAmount": 0})
    total = round(sum(r["totalAmount"] for r in records), 9)
    return JSONResponse({"records": records, "metadata": {
        "query": {**window, "bucketSize": size, "podId": only}, "recordCount": len(records),
        "totals": {"totalAmount": total, "gpuAmount": total, "cpuAmount": 0,
                   "diskAmount": 0},
        "uniquePodCount": len({r["podId"] for r in records})}})


def routes(state: SandboxState) -> list[BaseRoute]:
    cloud = PodCloud(state)
    state.extensions["runpod_pods"] = cloud

    def find(request: Request) -> SandboxPod | None:
        return cloud.pods.get(request.path_params["pod_id"])

    async def list_pods(request: Request, body: bytes) -> Response:
        return JSONResponse({"pods": [cloud.describe(p) for p in cloud.pods.values()]})

    async def get_pod(request: Request, body: bytes) -> Response:
        pod = find(request)
        return (_error(404, "resource not found") if pod is None
                else JSONResponse(cloud.describe(pod)))

    async def create(request: Request, body: bytes) -> Response:
        try:
            payload = json.loads(body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, "body must be JSON")
        return _create(cloud, payload)

    def gone(pod: SandboxPod) -> Response:
        cloud.pods.pop(pod.id, None)
        now = cloud.now()
        pod.billed_before, pod.up_since, pod.comfy = pod.seconds(now), None, None
        cloud.gone[pod.id] = pod
        return Response(status_code=204)

    async def action(request: Request, body: bytes) -> Response:
        pod = find(request)
        if pod is None:
            return _error(404, "resource not found")
        try:
            payload = json.loads(body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, "body must be JSON")
        what = payload.get("action") if isinstance(payload, dict) else None
        if not isinstance(payload, dict) or set(payload) != {"action"} or \
                what not in ("start", "stop", "restart", "terminate"):
            return _invalid("action: one of start, stop, restart, terminate (the only field)")
        status, now = cloud.status(pod), cloud.now()
        if what not in ACTIONS[status]:
            return _error(409, f"action {what!r} is not valid for a pod that is {status}; "
                               f"allowed: {', '.join(ACTIONS[status])}")
        if what == "terminate":
            return gone(pod)
        if what == "start":
            pod.up_since, pod.provisioning = now, False
        elif what == "stop":
            pod.billed_before, pod.up_since, pod.comfy = pod.seconds(now), None, None
        else:  # restart: the container again, in place
            pod.billed_before, pod.up_since, pod.comfy = pod.seconds(now), now, None
            pod.provisioning = False
        return JSONResponse(cloud.describe(pod))

    async def terminate(request: Request, body: bytes) -> Response:
        pod = find(request)
        return _error(404, "resource not found") if pod is None else gone(pod)

    async def templates(request: Request, body: bytes) -> Response:
        return JSONResponse({"templates": list(TEMPLATES)})

    async def catalog_templates(request: Request, body: bytes) -> Response:
        source = request.query_params.get("source", "official")
        if source not in ("official", "verified", "community"):
            return _invalid("source: one of official, verified, community")
        return JSONResponse({"templates": list(OFFICIAL_TEMPLATES) if source == "official"
                             else []})

    async def volumes(request: Request, body: bytes) -> Response:
        return JSONResponse({"networkVolumes": list(VOLUMES)})

    async def gpus(request: Request, body: bytes) -> Response:
        return _catalog_gpus(request)

    async def billing(request: Request, body: bytes) -> Response:
        return _billing(cloud, request)

    async def graphql(request: Request, body: bytes) -> Response:
        try:
            query = str(json.loads(body or b"{}").get("query") or "")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            return _error(400, "body must be a JSON object with a query")
        if "myself" not in query:
            return JSONResponse({"errors": [{"message": "the sandbox answers myself only"}]})
        every = [*cloud.pods.values(), *cloud.gone.values()]
        spent = sum(cloud.billed(p) for p in every)
        per_hour = sum(p.price for p in cloud.pods.values() if p.up_since is not None)
        return JSONResponse({"data": {"myself": {
            "id": "sandbox-user", "clientBalance": round(START_BALANCE - spent, 9),
            "currentSpendPerHr": round(per_hour, 6), "spendLimit": 80}}})

    def route(path: str, handler: Any, method: str, read: bool = False) -> Route:
        return provider_route(state, DIALECT, path, handler, [method], is_poll=read)

    return [
        route("/v2/pods", list_pods, "GET", read=True),
        route("/v2/pods", create, "POST"),
        route("/v2/pods/{pod_id}", get_pod, "GET", read=True),
        route("/v2/pods/{pod_id}", terminate, "DELETE"),
        route("/v2/pods/{pod_id}/action", action, "POST"),
        route("/v2/templates", templates, "GET", read=True),
        route("/v2/catalog/templates", catalog_templates, "GET", read=True),
        route("/v2/catalog/gpus", gpus, "GET", read=True),
        route("/v2/network-volumes", volumes, "GET", read=True),
        route("/v2/billing/pods", billing, "GET", read=True),
        route("/graphql", graphql, "POST", read=True),
        Mount("/proxy/{proxy_id}", app=PodProxy(cloud)),
        unknown_route(state, DIALECT, "See /v2/pods, /v2/templates, /v2/catalog/gpus, "
                                      "/graphql."),
    ]


class PodProxy:
    """{podId}-{port}: the pod's ComfyUI while it runs and exposes the port, else 502."""

    def __init__(self, cloud: PodCloud) -> None:
        self.cloud = cloud

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        pod_id, _, port = str(scope.get("path_params", {}).get("proxy_id", "")).rpartition("-")
        pod = self.cloud.pods.get(pod_id)
        up = pod is not None and self.cloud.status(pod) == "RUNNING"
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
            names = ("boot_seconds", "provision_seconds")
            values = {k: spec[k] for k in names if k in spec} if isinstance(spec, dict) else {}
            if not values or any(isinstance(v, bool) or not isinstance(v, int | float) or v < 0
                                 for v in values.values()):
                return JSONResponse({"error": 'expected {"boot_seconds": s >= 0, '
                                              '"provision_seconds": s >= 0}'}, status_code=400)
            for name, value in values.items():
                setattr(cloud, name, float(value))
        return JSONResponse({"boot_seconds": cloud.boot_seconds,
                             "provision_seconds": cloud.provision_seconds,
                             "pods": len(cloud.pods)})

    return [Route("/_sandbox/runpod_pods", switches, methods=["GET", "POST"])]
