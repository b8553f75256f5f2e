"""RunPod pods: your own GPU by the hour (list, create, start, stop, restart, terminate).

Mostly data and pure request builders; `PodsClient` sends them through providers.http.
REST for pods, templates, network volumes and billing; GraphQL only where REST has nothing
(GPU types with prices and stock, the account balance and spend per hour). The same
RUNPOD_API_KEY as RunPod Serverless (key entry `runpod`).

Sources (checked 2026-12-06):
- REST v1: https://docs.runpod.io/api-reference (base https://rest.runpod.io/v1; `GET/POST
  /pods`, `GET /pods/{podId}`, `POST /pods/{podId}/start|stop|restart`, `DELETE
  /pods/{podId}`, `GET /templates`, `GET /networkvolumes`, `GET /billing/pods`;
  Authorization: Bearer <key>). Create body fields as in the PodCreateInput of the REST
  schema (name, imageName, templateId, gpuTypeIds, gpuCount, cloudType SECURE|COMMUNITY,
  networkVolumeId, ports ["8188/http"], containerDiskInGb, volumeInGb). Billing:
  https://docs.runpod.io/api-reference/billing/GET/billing/pods (bucketSize, grouping
  podId|gpuTypeId; the default window is the last 30 days).
  NOTE: docs.runpod.io marks REST v1 deprecated (retirement announced for 2026-11-15) in
  favour of REST v2 (https://api.runpod.io/v2, beta). Both base URLs are settings
  (`base_urls.runpod_pods`, `base_urls.runpod_graphql`); v2 shapes are UNCONFIRMED here.
- GraphQL https://api.runpod.io/graphql: `gpuTypes { id displayName memoryInGb secureCloud
  communityCloud securePrice communityPrice lowestPrice(input: {gpuCount: 1})
  { stockStatus } }` and `myself { clientBalance currentSpendPerHr }` (runpod-python
  runpod/api/queries, public GraphQL samples).
- Proxy: an exposed HTTP port of a pod answers at https://{podId}-{port}.proxy.runpod.net
  (https://docs.runpod.io/pods/configuration/expose-ports).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from studio.providers.base import KeySpec, PreparedCall, ProviderError
from studio.providers.comfy_workflows import WorkflowTemplate
from studio.providers.comfyui import ComfyUIProvider
from studio.providers.http import json_object, parse_json, raise_for_status, send

REST_BASE = "https://rest.runpod.io/v1"
GRAPHQL_URL = "https://api.runpod.io/graphql"
PROXY_HOST = "proxy.runpod.net"
COMFYUI_PORT = 8188
DOCS_URL = "https://docs.runpod.io/api-reference"
PRICING_URL = "https://www.runpod.io/pricing"
SANDBOX_MOUNT = "/runpod_pods"  # the sandbox serves REST at <mount>/v1, GraphQL, the proxy

CloudType = Literal["SECURE", "COMMUNITY"]
RUNNING = "RUNNING"
EXITED = "EXITED"
TERMINATED = "TERMINATED"
_POD_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

GPU_TYPES_QUERY = (
    "query GpuTypes { gpuTypes { id displayName memoryInGb secureCloud communityCloud "
    "securePrice communityPrice lowestPrice(input: {gpuCount: 1}) { stockStatus } } }")
ACCOUNT_QUERY = "query Myself { myself { id clientBalance currentSpendPerHr spendLimit } }"


@dataclass(frozen=True)
class PodsEndpoints:
    """Where the pod API, GraphQL and a pod's proxy are: RunPod's, or the sandbox's."""

    rest: str = REST_BASE
    graphql: str = GRAPHQL_URL
    proxy: str | None = None  # None: https://{pod}-{port}.proxy.runpod.net

    @classmethod
    def sandbox(cls, sandbox_url: str) -> PodsEndpoints:
        base = f"{sandbox_url.rstrip('/')}{SANDBOX_MOUNT}"
        return cls(rest=f"{base}/v1", graphql=f"{base}/graphql", proxy=f"{base}/proxy")

    def proxy_url(self, pod_id: str, port: int = COMFYUI_PORT) -> str:
        check_pod_id(pod_id)
        if self.proxy:
            return f"{self.proxy}/{pod_id}-{port}"
        return f"https://{pod_id}-{port}.{PROXY_HOST}"


def check_pod_id(pod_id: str) -> str:
    if not _POD_ID.match(pod_id or ""):
        raise ValueError(f"pod id {pod_id!r}: letters, digits, '-' and '_' only")
    return pod_id


# -- what RunPod says -------------------------------------------------------------------------


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class GpuType:
    id: str
    name: str
    memory_gb: float | None
    secure_price: float | None  # USD per GPU per hour, on-demand
    community_price: float | None
    secure_cloud: bool
    community_cloud: bool
    stock: str  # High, Medium, Low; "" (null in the answer) when none is free

    def price(self, cloud: str = "SECURE") -> float | None:
        return self.secure_price if cloud == "SECURE" else self.community_price

    def available(self, cloud: str = "SECURE") -> bool:
        offered = self.secure_cloud if cloud == "SECURE" else self.community_cloud
        return offered and self.price(cloud) is not None and bool(self.stock)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "available": {"SECURE": self.available("SECURE"),
                                              "COMMUNITY": self.available("COMMUNITY")}}


def gpu_type_from(raw: Any) -> GpuType | None:
    if not isinstance(raw, dict) or not _str(raw.get("id")):
        return None
    lowest = json_object(raw.get("lowestPrice"))
    return GpuType(id=raw["id"], name=_str(raw.get("displayName")) or raw["id"],
                   memory_gb=_num(raw.get("memoryInGb")),
                   secure_price=_num(raw.get("securePrice")),
                   community_price=_num(raw.get("communityPrice")),
                   secure_cloud=bool(raw.get("secureCloud")),
                   community_cloud=bool(raw.get("communityCloud")),
                   stock=_str(lowest.get("stockStatus")))


@dataclass(frozen=True)
class Pod:
    id: str
    name: str
    status: str  # desiredStatus: RUNNING, EXITED, TERMINATED (or a starting state)
    cost_per_hr: float | None
    gpu_type: str
    gpu_count: int
    image: str
    template_id: str
    network_volume_id: str
    ports: tuple[str, ...]
    cloud_type: str
    last_started_at: str  # ISO time of the last start ("" when never started)

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    def uptime_seconds(self, now: datetime | None = None) -> float:
        if not self.running or not self.last_started_at:
            return 0.0
        try:
            started = datetime.fromisoformat(self.last_started_at.replace("Z", "+00:00"))
        except ValueError:
            return 0.0
        return max(0.0, ((now or datetime.now(UTC)) - started).total_seconds())

    def exposes(self, port: int) -> bool:
        return any(p.split("/")[0] == str(port) and p.endswith("/http") for p in self.ports)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ports": list(self.ports)}


def pod_from(raw: Any) -> Pod:
    if not isinstance(raw, dict) or not _str(raw.get("id")):
        raise ProviderError("RunPod: the pod in the answer has no id", code="malformed_response")
    gpu = json_object(raw.get("gpu"))
    machine = json_object(raw.get("machine"))
    ports = raw["ports"] if isinstance(raw.get("ports"), list) else []
    count = gpu.get("count", raw.get("gpuCount", 1))
    return Pod(id=raw["id"], name=_str(raw.get("name")) or raw["id"],
               status=_str(raw.get("desiredStatus")).upper() or "UNKNOWN",
               cost_per_hr=_num(raw.get("costPerHr")),
               gpu_type=_str(gpu.get("id")) or _str(machine.get("gpuTypeId")),
               gpu_count=int(count) if isinstance(count, int) else 1,
               image=_str(raw.get("image")) or _str(raw.get("imageName")),
               template_id=_str(raw.get("templateId")),
               network_volume_id=_str(raw.get("networkVolumeId")),
               ports=tuple(str(p) for p in ports),
               cloud_type=_str(raw.get("cloudType")) or "SECURE",
               last_started_at=_str(raw.get("lastStartedAt")))


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    image: str
    ports: tuple[str, ...]
    is_comfyui: bool

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ports": list(self.ports)}


def template_from(raw: Any) -> Template | None:
    if not isinstance(raw, dict) or not _str(raw.get("id")):
        return None
    ports = tuple(str(p) for p in raw.get("ports") or [] if isinstance(p, str | int))
    name, image = _str(raw.get("name")), _str(raw.get("imageName"))
    comfy = "comfy" in f"{name} {image}".lower() or any(p.startswith("8188/") for p in ports)
    return Template(raw["id"], name or raw["id"], image, ports, comfy)


@dataclass(frozen=True)
class NetworkVolume:
    id: str
    name: str
    size_gb: float | None
    data_center: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def volume_from(raw: Any) -> NetworkVolume | None:
    if not isinstance(raw, dict) or not _str(raw.get("id")):
        return None
    return NetworkVolume(raw["id"], _str(raw.get("name")) or raw["id"], _num(raw.get("size")),
                         _str(raw.get("dataCenterId")))


@dataclass(frozen=True)
class Account:
    balance_usd: float | None
    spend_per_hr: float | None
    spend_limit: float | None
    billed: dict[str, float] = field(default_factory=dict)  # pod id -> USD billed so far

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- what we send -----------------------------------------------------------------------------


class CreatePod(BaseModel):
    """A new pod: from a template or an image, on one GPU type, in one cloud."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("studio-comfyui", min_length=1, max_length=100)
    gpu_type_id: str = Field(min_length=1, max_length=100)
    gpu_count: int = Field(1, ge=1, le=8)
    cloud_type: CloudType = "SECURE"
    template_id: str | None = Field(None, max_length=100)
    image_name: str | None = Field(None, max_length=300)
    network_volume_id: str | None = Field(None, max_length=100)
    ports: list[str] = Field(default_factory=lambda: [f"{COMFYUI_PORT}/http"], max_length=10)
    container_disk_gb: int = Field(50, ge=1, le=2000)
    volume_gb: int = Field(0, ge=0, le=4000)

    @model_validator(mode="after")
    def _source(self) -> CreatePod:
        if not (self.template_id or self.image_name):
            raise ValueError("give a template id or an image name")
        for port in self.ports:
            if not re.match(r"^\d{1,5}/(http|tcp)$", port):
                raise ValueError(f"port {port!r}: expected e.g. 8188/http or 22/tcp")
        return self

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name, "gpuTypeIds": [self.gpu_type_id], "gpuCount": self.gpu_count,
            "cloudType": self.cloud_type, "ports": list(self.ports),
            "containerDiskInGb": self.container_disk_gb, "volumeInGb": self.volume_gb,
            "computeType": "GPU"}
        if self.template_id:
            body["templateId"] = self.template_id
        if self.image_name:
            body["imageName"] = self.image_name
        if self.network_volume_id:
            body["networkVolumeId"] = self.network_volume_id
        return body


def _headers(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def create_call(endpoints: PodsEndpoints, key: str | None, spec: CreatePod) -> PreparedCall:
    return PreparedCall("POST", f"{endpoints.rest}/pods",
                        {**_headers(key), "Content-Type": "application/json"},
                        json_body=spec.body())


Action = Literal["start", "stop", "restart", "terminate"]
PAID_ACTIONS: tuple[str, ...] = ("create", "start", "restart")


def action_call(endpoints: PodsEndpoints, key: str | None, pod_id: str,
                action: Action) -> PreparedCall:
    check_pod_id(pod_id)
    if action == "terminate":
        return PreparedCall("DELETE", f"{endpoints.rest}/pods/{pod_id}", _headers(key))
    return PreparedCall("POST", f"{endpoints.rest}/pods/{pod_id}/{action}", _headers(key))


def graphql_call(endpoints: PodsEndpoints, key: str | None, query: str) -> PreparedCall:
    return PreparedCall("POST", endpoints.graphql,
                        {**_headers(key), "Content-Type": "application/json"},
                        json_body={"query": query})


# -- sending ----------------------------------------------------------------------------------

_FRIENDLY = {401: "RunPod refused the key: check RUNPOD_API_KEY in Settings",
             404: "RunPod does not know this pod (terminated?)"}


class PodsClient:
    """The calls, through providers.http (errors become ProviderErrors a user can read)."""

    def __init__(self, http: httpx.AsyncClient, endpoints: PodsEndpoints,
                 key: str | None) -> None:
        self.http = http
        self.endpoints = endpoints
        self.key = key

    async def _send(self, call: PreparedCall, what: str) -> Any:
        response = await send(self.http, call.method, call.url, what, keep_errors=True,
                              **call.send_kwargs())
        raise_for_status(response, what, friendly=_FRIENDLY)
        if response.status_code == 204 or not response.content:
            return None
        return parse_json(response, what)

    async def _get(self, path: str, what: str, params: Mapping[str, str] | None = None) -> Any:
        response = await send(self.http, "GET", f"{self.endpoints.rest}{path}", what,
                              keep_errors=True, headers=_headers(self.key),
                              params=dict(params or {}))
        raise_for_status(response, what, friendly=_FRIENDLY)
        return parse_json(response, what)

    async def _graphql(self, query: str, what: str) -> dict[str, Any]:
        answer = await self._send(graphql_call(self.endpoints, self.key, query), what)
        if not isinstance(answer, dict):
            raise ProviderError(f"{what}: the answer is not a JSON object",
                                code="malformed_response")
        errors = answer.get("errors")
        if errors:
            first = errors[0] if isinstance(errors, list) and errors else errors
            message = first.get("message") if isinstance(first, dict) else str(first)
            raise ProviderError(f"{what}: {message}", code="graphql_error")
        data = answer.get("data")
        return data if isinstance(data, dict) else {}

    async def pods(self) -> list[Pod]:
        raw = await self._get("/pods", "RunPod pods")
        if not isinstance(raw, list):
            raise ProviderError("RunPod pods: expected a list of pods",
                                code="malformed_response")
        return [pod_from(p) for p in raw]

    async def pod(self, pod_id: str) -> Pod:
        return pod_from(await self._get(f"/pods/{check_pod_id(pod_id)}", "RunPod pod"))

    async def create(self, spec: CreatePod) -> Pod:
        return pod_from(await self._send(create_call(self.endpoints, self.key, spec),
                                         "RunPod create pod"))

    async def act(self, pod_id: str, action: Action) -> Pod | None:
        """Start, stop, restart or terminate; the pod as RunPod then says it is (None after
        a terminate)."""
        answer = await self._send(action_call(self.endpoints, self.key, pod_id, action),
                                  f"RunPod {action} pod")
        if action == "terminate":
            return None
        if isinstance(answer, dict) and answer.get("id"):
            return pod_from(answer)
        return await self.pod(pod_id)

    async def gpu_types(self) -> list[GpuType]:
        data = await self._graphql(GPU_TYPES_QUERY, "RunPod GPU types")
        raw = data.get("gpuTypes")
        found = [gpu_type_from(g) for g in raw] if isinstance(raw, list) else []
        return sorted((g for g in found if g is not None),
                      key=lambda g: (g.secure_price is None, g.secure_price or 0.0, g.id))

    async def templates(self) -> list[Template]:
        raw = await self._get("/templates", "RunPod templates")
        found = [template_from(t) for t in raw] if isinstance(raw, list) else []
        return [t for t in found if t is not None]

    async def volumes(self) -> list[NetworkVolume]:
        raw = await self._get("/networkvolumes", "RunPod network volumes")
        found = [volume_from(v) for v in raw] if isinstance(raw, list) else []
        return [v for v in found if v is not None]

    async def account(self) -> Account:
        data = await self._graphql(ACCOUNT_QUERY, "RunPod account")
        me = json_object(data.get("myself"))
        billed = await self.billed()
        return Account(_num(me.get("clientBalance")), _num(me.get("currentSpendPerHr")),
                       _num(me.get("spendLimit")), billed)

    async def billed(self) -> dict[str, float]:
        """USD billed so far per pod (GET /billing/pods grouped by pod)."""
        raw = await self._get("/billing/pods", "RunPod billing",
                              {"grouping": "podId", "bucketSize": "day"})
        totals: dict[str, float] = {}
        for record in raw if isinstance(raw, list) else []:
            if isinstance(record, dict) and _str(record.get("podId")):
                amount = _num(record.get("amount")) or 0.0
                totals[record["podId"]] = totals.get(record["podId"], 0.0) + amount
        return totals


# Used only without a key (a dry-run must still show a price): on-demand $/GPU-hour as on
# https://www.runpod.io/pricing, UNCONFIRMED figures (checked 2026-12-06, they change);
# with a key the live GraphQL list is used.
PUBLISHED_GPU_TYPES: tuple[GpuType, ...] = tuple(
    GpuType(gid, name, mem, secure, community, True, community is not None, "published list")
    for gid, name, mem, secure, community in (
        ("NVIDIA RTX A5000", "RTX A5000", 24, 0.27, 0.16),
        ("NVIDIA GeForce RTX 4090", "RTX 4090", 24, 0.69, 0.34),
        ("NVIDIA RTX A6000", "RTX A6000", 48, 0.49, 0.33),
        ("NVIDIA L40S", "L40S", 48, 0.86, 0.79),
        ("NVIDIA A100 80GB PCIe", "A100 PCIe", 80, 1.64, 1.19),
        ("NVIDIA H100 80GB HBM3", "H100 SXM", 80, 2.99, None),
    ))


def hourly_price(gpu: GpuType | None, cloud: str, count: int) -> float | None:
    price = gpu.price(cloud) if gpu is not None else None
    return None if price is None else round(price * count, 6)


def find_gpu(gpus: Sequence[GpuType], gpu_id: str) -> GpuType | None:
    return next((g for g in gpus if g.id == gpu_id or g.name == gpu_id), None)


# -- a pod's ComfyUI as a server of its own ---------------------------------------------------


def server_id(pod_id: str) -> str:
    """The provider id of a pod's ComfyUI (env-safe, like every provider id)."""
    return "pod_" + re.sub(r"[^a-z0-9_]", "_", check_pod_id(pod_id).lower())


class PodComfyUI(ComfyUIProvider):
    """A running pod's ComfyUI, reached through its proxy address; named after the pod.
    Its base URL is fixed (no setting or sandbox mount applies); jobs on it cost nothing
    per job: the pod bills by the hour. Made by `pod_comfyui` (one declaration per pod)."""

    pod_id = ""
    fixed_base_url = ""
    checkpoints: tuple[str, ...] = ()
    usd_per_hour: float | None = None


def pod_comfyui(pod_id: str, name: str, base_url: str, *,
                templates: Sequence[WorkflowTemplate], checkpoints: Sequence[str] = (),
                usd_per_hour: float | None = None) -> PodComfyUI:
    pid = server_id(pod_id)
    rate = f" at ${usd_per_hour:.2f}/h" if usd_per_hour is not None else ""
    listed = ", ".join(checkpoints) if checkpoints else "none listed"
    info = dataclasses.replace(
        ComfyUIProvider.info, id=pid, name=name, default_base_url=base_url, sandbox=None,
        key=KeySpec(env=(), keyring_entry=f"runpod-pod-{pod_id}",
                    label="Bearer token (optional)"),
        notes=f"RunPod pod {pod_id}{rate}: its ComfyUI through the pod's proxy. "
              f"Checkpoints: {listed}.")
    cls = type(f"PodComfyUI_{pid}", (PodComfyUI,), {
        "info": info, "pod_id": pod_id, "fixed_base_url": base_url,
        "checkpoints": tuple(checkpoints), "usd_per_hour": usd_per_hour})
    return cls({}, templates=templates)
