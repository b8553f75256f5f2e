"""RunPod pods: your own GPU by the hour (list, create, start, stop, restart, terminate).

Mostly data and pure request builders; `PodsClient` sends them through providers.http.
REST v2 for pods, templates, network volumes, the GPU catalog and billing; GraphQL only for
what v2 lacks (the account balance and spend per hour). The same RUNPOD_API_KEY as RunPod
Serverless (key entry `runpod`).

Sources (checked 2026-12-06):
- REST v2 (beta; v1 at rest.runpod.io/v1 was retired 2026-11-15): the OpenAPI schema
  `api-reference-v2/openapi.json` and `api-reference-v2/migrate-from-v1.mdx` of
  github.com/runpod/docs at commit a900806e253c4f8c16da27d1a4370e72456da4cb, published as
  https://docs.runpod.io/api-reference-v2/ (e.g. .../pods/create-a-pod). Server
  https://api.runpod.io, paths under /v2; Authorization: Bearer <key>.
  - `GET /v2/pods` -> {"pods": [Pod]}; `GET /v2/pods/{id}` -> Pod; `POST /v2/pods`
    (CreatePodRequest: `name` required; exactly one of `gpu: {id, count}` or `cpu`; `image`
    unless `templateId`; `cloud` SECURE|COMMUNITY (default SECURE), `ports` ["8188/http"],
    `disk` GB, `mounts: {persistent: {size, path}} | {network: [{volumeId, path}]}`) ->
    201 Pod in PROVISIONING, then STARTING, then RUNNING.
  - `POST /v2/pods/{id}/action {"action": "start|stop|restart"}` -> 200 Pod (409 when the
    pod's status does not allow it; the allowed set is the pod's `actions`);
    `DELETE /v2/pods/{id}` -> 204 (terminate).
  - Pod: id, name, status (PROVISIONING|STARTING|RUNNING|EXITED|ERROR|TERMINATED), actions,
    image, ports, gpu {id, count}, cloud, mounts, template (null when created from a
    `templateId`: the pod keeps no link), cost (USD/h; 0.0 when EXITED or TERMINATED),
    runtime {uptime s, ...} (null unless RUNNING), createdAt, startedAt.
  - `GET /v2/templates` -> {"templates": [...]} (your own); `GET /v2/catalog/templates
    ?source=official` -> {"templates": [...]} (RunPod's); both carry `serverless` (serverless
    templates cannot make pods: 422).
  - `GET /v2/network-volumes` -> {"networkVolumes": [{id, name, size, dataCenter, type}]}.
  - `GET /v2/catalog/gpus?include=AVAILABILITY&product=POD&cloud=SECURE|COMMUNITY` ->
    {"gpus": [{id, name, memory, secure, community, price {secure, community}, maxCount,
    availability NONE|LOW|MEDIUM|HIGH}]}; availability is for the one `cloud` asked, so the
    client asks twice.
  - `GET /v2/billing/pods?bucketSize=day` -> {"records": [{podId, totalAmount, ...}],
    metadata}: one record per pod per bucket; default window the last 30 days.
  - Errors: RFC 9457 problem JSON {title, status, detail, errors?}; 402 insufficient balance.
  UNCONFIRMED: whether `startedAt` moves on a start or restart (uptime is read from
  `runtime.uptime`); the network mount path (none is documented as a default; we send
  /workspace, RunPod's usual volume path); the docs page excerpt of create-a-pod says
  `image` is always required while the schema at the commit above says "unless templateId".
- GraphQL https://api.runpod.io/graphql, only `myself { clientBalance currentSpendPerHr
  spendLimit }` (no v2 path has the balance; runpod-python runpod/api/queries).
- Proxy: an exposed HTTP port of a pod answers at https://{podId}-{port}.proxy.runpod.net
  (https://docs.runpod.io/pods/configuration/expose-ports; not part of the v2 schema).
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

REST_BASE = "https://api.runpod.io/v2"
GRAPHQL_URL = "https://api.runpod.io/graphql"
PROXY_HOST = "proxy.runpod.net"
COMFYUI_PORT = 8188
DOCS_URL = "https://docs.runpod.io/api-reference-v2/overview"
PRICING_URL = "https://www.runpod.io/pricing"
SANDBOX_MOUNT = "/runpod_pods"  # the sandbox serves REST at <mount>/v2, GraphQL, the proxy

CloudType = Literal["SECURE", "COMMUNITY"]
RUNNING = "RUNNING"
EXITED = "EXITED"
TERMINATED = "TERMINATED"
ERROR = "ERROR"
BOOTING = ("PROVISIONING", "STARTING")  # v2: created or started, not RUNNING yet
DOWN = (EXITED, TERMINATED)  # no compute held (v2 `cost` is 0.0 then)
VOLUME_PATH = "/workspace"  # where a network volume is mounted (UNCONFIRMED default)
_POD_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

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
        return cls(rest=f"{base}/v2", graphql=f"{base}/graphql", proxy=f"{base}/proxy")

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
    stock: str  # secure cloud pod stock: HIGH, MEDIUM, LOW, NONE ("" when not told)
    community_stock: str = ""  # the same in the community cloud

    def price(self, cloud: str = "SECURE") -> float | None:
        return self.secure_price if cloud == "SECURE" else self.community_price

    def stock_in(self, cloud: str = "SECURE") -> str:
        return self.stock if cloud == "SECURE" else self.community_stock

    def available(self, cloud: str = "SECURE") -> bool:
        offered = self.secure_cloud if cloud == "SECURE" else self.community_cloud
        stock = self.stock_in(cloud)
        return offered and self.price(cloud) is not None and stock not in ("", "NONE")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "available": {"SECURE": self.available("SECURE"),
                                              "COMMUNITY": self.available("COMMUNITY")}}


def gpu_type_from(raw: Any, community: Any = None) -> GpuType | None:
    """A v2 catalog GpuType; `community` is the same GPU from the COMMUNITY-cloud read
    (availability is given for the one cloud asked)."""
    if not isinstance(raw, dict) or not _str(raw.get("id")):
        return None
    price = json_object(raw.get("price"))
    other = community if isinstance(community, dict) else {}
    return GpuType(id=raw["id"], name=_str(raw.get("name")) or raw["id"],
                   memory_gb=_num(raw.get("memory")),
                   secure_price=_num(price.get("secure")) if raw.get("secure") else None,
                   community_price=_num(price.get("community")) if raw.get("community")
                   else None,
                   secure_cloud=bool(raw.get("secure")),
                   community_cloud=bool(raw.get("community")),
                   stock=_str(raw.get("availability")).upper(),
                   community_stock=_str(other.get("availability")).upper())


@dataclass(frozen=True)
class Pod:
    id: str
    name: str
    status: str  # PROVISIONING, STARTING, RUNNING, EXITED, ERROR, TERMINATED
    cost_per_hr: float | None
    gpu_type: str
    gpu_count: int
    image: str
    template_id: str
    network_volume_id: str
    ports: tuple[str, ...]
    cloud_type: str
    last_started_at: str  # v2 startedAt, ISO ("" when not started)
    reported_uptime: float | None = None  # v2 runtime.uptime (s) when the answer had it

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    @property
    def up(self) -> bool:
        """Holding compute (and billing): anything but EXITED or TERMINATED."""
        return self.status not in DOWN

    def uptime_seconds(self, now: datetime | None = None) -> float:
        if not self.running:
            return 0.0
        if self.reported_uptime is not None:
            return self.reported_uptime
        if not self.last_started_at:
            return 0.0
        try:
            started = datetime.fromisoformat(self.last_started_at.replace("Z", "+00:00"))
        except ValueError:
            return 0.0
        return max(0.0, ((now or datetime.now(UTC)) - started).total_seconds())

    def exposes(self, port: int) -> bool:
        return any(p.split("/")[0] == str(port) and p.endswith("/http") for p in self.ports)

    def as_dict(self) -> dict[str, Any]:
        out = {**asdict(self), "ports": list(self.ports)}
        out.pop("reported_uptime")  # shown as uptime_seconds
        return out


def pod_from(raw: Any) -> Pod:
    """A v2 Pod. `cost` is the rate billed now (0.0 when EXITED or TERMINATED)."""
    if not isinstance(raw, dict) or not _str(raw.get("id")):
        raise ProviderError("RunPod: the pod in the answer has no id", code="malformed_response")
    gpu = json_object(raw.get("gpu"))
    network = json_object(raw.get("mounts")).get("network")
    first = json_object(network[0]) if isinstance(network, list) and network else {}
    runtime = json_object(raw.get("runtime"))
    ports = raw["ports"] if isinstance(raw.get("ports"), list) else []
    count = gpu.get("count", 1)
    return Pod(id=raw["id"], name=_str(raw.get("name")) or raw["id"],
               status=_str(raw.get("status")).upper() or "UNKNOWN",
               cost_per_hr=_num(raw.get("cost")),
               gpu_type=_str(gpu.get("id")),
               gpu_count=count if isinstance(count, int) and not isinstance(count, bool) else 1,
               image=_str(raw.get("image")),
               template_id=_str(raw.get("template")),
               network_volume_id=_str(first.get("volumeId")),
               ports=tuple(str(p) for p in ports),
               cloud_type=_str(raw.get("cloud")) or "SECURE",
               last_started_at=_str(raw.get("startedAt")),
               reported_uptime=_num(runtime.get("uptime")))


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
    """A v2 Template that can make a pod (serverless ones cannot: None)."""
    if not isinstance(raw, dict) or not _str(raw.get("id")) or raw.get("serverless") is True:
        return None
    ports = tuple(str(p) for p in raw.get("ports") or [] if isinstance(p, str | int))
    name, image = _str(raw.get("name")), _str(raw.get("image"))
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
                         _str(raw.get("dataCenter")))


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

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use

    name: str = Field("studio-comfyui", min_length=1, max_length=100)
    gpu_type_id: str = Field(min_length=1, max_length=100)
    gpu_count: int = Field(1, ge=1, le=8)
    cloud_type: CloudType = "SECURE"
    template_id: str | None = Field(None, max_length=100)
    image_name: str | None = Field(None, max_length=300)
    network_volume_id: str | None = Field(None, max_length=100)
    ports: list[str] = Field(default_factory=lambda: [f"{COMFYUI_PORT}/http"], max_length=10)
    container_disk_gb: int = Field(50, ge=1, le=2000)
    volume_gb: int = Field(0, ge=0, le=4000)  # a pod volume (v2 mounts.persistent), 0: none

    @model_validator(mode="after")
    def _source(self) -> CreatePod:
        if not (self.template_id or self.image_name):
            raise ValueError("give a template id or an image name")
        for port in self.ports:
            if not re.match(r"^\d{1,5}/(http|tcp)$", port):
                raise ValueError(f"port {port!r}: expected e.g. 8188/http or 22/tcp")
        if 0 < self.volume_gb < 10:
            raise ValueError("a pod volume is at least 10 GB (or 0 for none)")
        if self.volume_gb and self.network_volume_id:
            raise ValueError("a pod has a pod volume or a network volume, not both")
        return self

    def body(self) -> dict[str, Any]:
        """The v2 CreatePodRequest (a GPU pod)."""
        body: dict[str, Any] = {
            "name": self.name, "gpu": {"id": self.gpu_type_id, "count": self.gpu_count},
            "cloud": self.cloud_type, "ports": list(self.ports),
            "disk": self.container_disk_gb}
        if self.template_id:
            body["templateId"] = self.template_id
        if self.image_name:
            body["image"] = self.image_name
        if self.network_volume_id:
            body["mounts"] = {"network": [{"volumeId": self.network_volume_id,
                                           "path": VOLUME_PATH}]}
        elif self.volume_gb:
            body["mounts"] = {"persistent": {"size": self.volume_gb, "path": VOLUME_PATH}}
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
    """v2: one `POST /pods/{id}/action {"action": ...}`; terminate is `DELETE /pods/{id}`."""
    check_pod_id(pod_id)
    if action == "terminate":
        return PreparedCall("DELETE", f"{endpoints.rest}/pods/{pod_id}", _headers(key))
    return PreparedCall("POST", f"{endpoints.rest}/pods/{pod_id}/action",
                        {**_headers(key), "Content-Type": "application/json"},
                        json_body={"action": action})


def graphql_call(endpoints: PodsEndpoints, key: str | None, query: str) -> PreparedCall:
    return PreparedCall("POST", endpoints.graphql,
                        {**_headers(key), "Content-Type": "application/json"},
                        json_body={"query": query})


# -- sending ----------------------------------------------------------------------------------

_FRIENDLY = {401: "RunPod refused the key: check RUNPOD_API_KEY in Settings",
             402: "the RunPod account's balance is too low",
             404: "RunPod does not know this pod (terminated?)",
             409: "the pod's status does not allow this now"}
_CREATE_FRIENDLY = {**_FRIENDLY, 404: "RunPod does not know this template or volume",
                    400: "RunPod could not place this pod (no capacity, or a rule broken)"}


class PodsClient:
    """The calls, through providers.http (errors become ProviderErrors a user can read)."""

    def __init__(self, http: httpx.AsyncClient, endpoints: PodsEndpoints,
                 key: str | None) -> None:
        self.http = http
        self.endpoints = endpoints
        self.key = key

    async def _send(self, call: PreparedCall, what: str,
                    friendly: Mapping[int, str] = _FRIENDLY) -> Any:
        response = await send(self.http, call.method, call.url, what, keep_errors=True,
                              **call.send_kwargs())
        raise_for_status(response, what, friendly=friendly)
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

    async def _list(self, path: str, key: str, what: str,
                    params: Mapping[str, str] | None = None) -> list[Any]:
        """A v2 list: the array under the resource's key ({"pods": [...]})."""
        raw = await self._get(path, what, params)
        found = raw.get(key) if isinstance(raw, dict) else None
        if not isinstance(found, list):
            raise ProviderError(f"{what}: expected {{\"{key}\": [...]}}",
                                code="malformed_response")
        return found

    async def pods(self) -> list[Pod]:
        return [pod_from(p) for p in await self._list("/pods", "pods", "RunPod pods")]

    async def pod(self, pod_id: str) -> Pod:
        return pod_from(await self._get(f"/pods/{check_pod_id(pod_id)}", "RunPod pod"))

    async def create(self, spec: CreatePod) -> Pod:
        return pod_from(await self._send(create_call(self.endpoints, self.key, spec),
                                         "RunPod create pod", _CREATE_FRIENDLY))

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
        """The v2 catalog with pod stock, read once per cloud (availability is per cloud)."""
        by_cloud = {}
        for cloud in ("SECURE", "COMMUNITY"):
            by_cloud[cloud] = await self._list(
                "/catalog/gpus", "gpus", "RunPod GPU types",
                {"include": "AVAILABILITY", "product": "POD", "cloud": cloud})
        community = {g.get("id"): g for g in by_cloud["COMMUNITY"] if isinstance(g, dict)}
        found = [gpu_type_from(g, community.get(g.get("id"))) for g in by_cloud["SECURE"]
                 if isinstance(g, dict)]
        return sorted((g for g in found if g is not None),
                      key=lambda g: (g.secure_price is None, g.secure_price or 0.0, g.id))

    async def templates(self) -> list[Template]:
        """Your own pod templates, then RunPod's official ones (serverless ones left out)."""
        own = await self._list("/templates", "templates", "RunPod templates")
        official = await self._list("/catalog/templates", "templates", "RunPod templates",
                                    {"source": "official"})
        seen: set[str] = set()
        out = []
        for raw in [*own, *official]:
            template = template_from(raw)
            if template is not None and template.id not in seen:
                seen.add(template.id)
                out.append(template)
        return out

    async def volumes(self) -> list[NetworkVolume]:
        raw = await self._list("/network-volumes", "networkVolumes", "RunPod network volumes")
        found = [volume_from(v) for v in raw]
        return [v for v in found if v is not None]

    async def account(self) -> Account:
        data = await self._graphql(ACCOUNT_QUERY, "RunPod account")
        me = json_object(data.get("myself"))
        billed = await self.billed()
        return Account(_num(me.get("clientBalance")), _num(me.get("currentSpendPerHr")),
                       _num(me.get("spendLimit")), billed)

    async def billed(self) -> dict[str, float]:
        """USD billed so far per pod: v2 `GET /billing/pods` gives one record per pod per
        day bucket over the last 30 days (the default window); summed per pod."""
        records = await self._list("/billing/pods", "records", "RunPod billing",
                                   {"bucketSize": "day"})
        totals: dict[str, float] = {}
        for record in records:
            if isinstance(record, dict) and _str(record.get("podId")):
                amount = _num(record.get("totalAmount")) or 0.0
                totals[record["podId"]] = totals.get(record["podId"], 0.0) + amount
        return totals


# Used only without a key (a dry-run must still show a price): on-demand $/GPU-hour as on
# https://www.runpod.io/pricing, UNCONFIRMED figures (checked 2026-12-06, they change);
# with a key the live v2 catalog is used.
PUBLISHED_GPU_TYPES: tuple[GpuType, ...] = tuple(
    GpuType(gid, name, mem, secure, community, True, community is not None, "published list",
            "published list" if community is not None else "")
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
