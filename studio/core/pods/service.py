"""RunPod pods for the studio: the account, the catalog of GPUs, templates and volumes, the
pods themselves, and their ComfyUI registered as servers of their own.

Every paid action (create, start, restart) is a dry-run, recorded with the exact request
and the pod's price per hour, unless RunPod's family flag is on AND a key is present
(core.policy, the same decision as RunPod Serverless jobs; the sandbox key counts). Stop and
terminate are sent under the same decision. A running pod is registered once its ComfyUI
answers through the proxy (checkpoints from /object_info); stopping or terminating it
unregisters it. The money guard (guard.py) stops pods no job used for N minutes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import httpx

from studio.core.catalog import Catalog
from studio.core.config import Settings
from studio.core.events import StoreEvent, Subscriber
from studio.core.jobs import JobStatus
from studio.core.pods.guard import IdleGuard
from studio.core.pods.records import (
    PodAction,
    PodRecords,
    PodTables,
    SeenRow,
    ServerRow,
    pods_in_use,
)
from studio.core.policy import Decision
from studio.core.redaction import Redactor
from studio.core.secrets import KeyLookup
from studio.providers.base import Kind, Provider, ProviderContext, ProviderError
from studio.providers.comfy_workflows import WorkflowTemplate, bundled_templates
from studio.providers.runpod_pods import (
    COMFYUI_PORT,
    DOWN,
    ERROR,
    GRAPHQL_URL,
    PUBLISHED_GPU_TYPES,
    REST_BASE,
    Action,
    CreatePod,
    GpuType,
    NetworkVolume,
    Pod,
    PodComfyUI,
    PodsClient,
    PodsEndpoints,
    Template,
    action_call,
    check_pod_id,
    create_call,
    find_gpu,
    hourly_price,
    pod_comfyui,
    server_id,
)

log = logging.getLogger(__name__)

RUNPOD = "runpod"  # the provider whose key and family flag the pods use
PROBE_TIMEOUT = 5.0


class PodsHost(Protocol):
    """What the pods service sees of the studio."""

    settings: Settings
    sandbox_url: str | None
    redactor: Redactor

    def key_for(self, provider_id: str) -> KeyLookup: ...

    def decision(self, provider_id: str, kind: Any) -> Decision: ...

    async def http(self) -> httpx.AsyncClient: ...

    def subscribe(self, fn: Subscriber) -> Callable[[], None]: ...


@dataclass(frozen=True)
class PodView:
    """A pod as the studio shows it: RunPod's facts plus uptime, cost so far, its server."""

    pod: Pod
    uptime_seconds: float
    cost_so_far: float | None
    server: str | None  # the provider id of its registered ComfyUI

    def as_dict(self) -> dict[str, Any]:
        return {**self.pod.as_dict(), "uptime_seconds": round(self.uptime_seconds, 1),
                "cost_so_far_usd": None if self.cost_so_far is None
                else round(self.cost_so_far, 6), "server": self.server}


@dataclass(frozen=True)
class PodEvent:
    kind: str  # changed, registered, unregistered, idle_warning, idle_stopped, error
    pod_id: str
    message: str


@dataclass(frozen=True)
class RunningCost:
    pods: int
    usd_per_hour: float
    usd_so_far: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PodsService:
    def __init__(self, host: PodsHost, tables: PodTables, providers: MutableMapping[str, Provider],
                 catalog: Catalog, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.host = host
        self.records = PodRecords(tables)
        self.providers = providers
        self.catalog = catalog
        self.guard = IdleGuard(clock)
        self.known: dict[str, PodView] = {}  # the last pods seen (status bar, quit check)
        self._rates: dict[str, float] = {}  # pod id -> USD/h while it runs (v2 says 0 if not)
        self._listeners: list[Callable[[PodEvent], None]] = []
        self._unsubscribe = host.subscribe(self._store_event)

    # -- where, with what, allowed or not ----------------------------------------------------

    def endpoints(self) -> PodsEndpoints:
        if self.host.sandbox_url:
            return PodsEndpoints.sandbox(self.host.sandbox_url)
        urls = self.host.settings.base_urls
        return PodsEndpoints(rest=urls.get("runpod_pods") or REST_BASE,
                             graphql=urls.get("runpod_graphql") or GRAPHQL_URL,
                             proxy=urls.get("runpod_proxy") or None)

    def decision(self) -> Decision:
        return self.host.decision(RUNPOD, Kind.IMAGE)

    def key(self) -> str | None:
        return self.host.key_for(RUNPOD).value

    async def client(self) -> PodsClient:
        return PodsClient(await self.host.http(), self.endpoints(), self.key())

    def on_event(self, fn: Callable[[PodEvent], None]) -> Callable[[], None]:
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn) if fn in self._listeners else None

    def _emit(self, kind: str, pod_id: str, message: str) -> None:
        event = PodEvent(kind, pod_id, message)
        log.info("pods.%s pod=%s %s", kind, pod_id, message)
        for fn in list(self._listeners):
            fn(event)

    # -- reads -------------------------------------------------------------------------------

    async def account(self) -> dict[str, Any]:
        account = await (await self.client()).account()
        return {**account.as_dict(), "running": self.running_cost().as_dict()}

    async def gpu_types(self) -> tuple[list[GpuType], str]:
        """The GPU types and where they come from: RunPod's live list when a key is
        present, else the published list (prices only; availability unknown)."""
        if not self.key():
            return list(PUBLISHED_GPU_TYPES), "published list (no key: availability unknown)"
        return await (await self.client()).gpu_types(), "RunPod (live)"

    async def templates(self) -> list[Template]:
        return await (await self.client()).templates()

    async def volumes(self) -> list[NetworkVolume]:
        return await (await self.client()).volumes()

    async def pods(self) -> list[PodView]:
        """Every pod, with uptime and cost so far; servers follow what RunPod says (a
        stopped pod's server is unregistered, a running one's registered once it answers)."""
        client = await self.client()
        pods = await client.pods()
        try:
            billed = await client.billed()
        except ProviderError as exc:  # the pods are still worth showing
            log.warning("pods.billing_unavailable %s", exc.message)
            billed = {}
        views = [await self._view(pod, billed) for pod in pods]
        self.known = {v.pod.id: v for v in views}
        if any(self.rate(v.pod.id) is None for v in views):
            await self._rates_from_catalog([v.pod for v in views])
        self.records.save_seen([self._seen(v) for v in views], every=True)
        for row in self.records.servers():
            if row.pod_id not in self.known:
                await self.unregister(row.pod_id, "the pod is gone")
        return views

    async def show(self, pod_id: str) -> PodView:
        client = await self.client()
        pod = await client.pod(check_pod_id(pod_id))
        try:
            billed = await client.billed()
        except ProviderError:
            billed = {}
        view = await self._view(pod, billed)
        self.known[pod.id] = view
        self.records.save_seen([self._seen(view)])
        return view

    def _seen(self, view: PodView) -> SeenRow:
        pod = view.pod
        rate = pod.cost_per_hr if pod.up and pod.cost_per_hr else self.rate(pod.id)
        return SeenRow(pod.id, pod.name, pod.status, rate, view.cost_so_far)

    def rate(self, pod_id: str) -> float | None:
        """What the pod costs per hour while it runs (a stopped pod's too: RunPod v2 gives
        `cost` 0.0 then, so the rate last seen, or its GPU type's price x count)."""
        return self._rates.get(pod_id)

    def _remember(self, pod: Pod) -> None:
        if pod.up and pod.cost_per_hr:
            self._rates[pod.id] = pod.cost_per_hr

    async def _rates_from_catalog(self, pods: Sequence[Pod]) -> None:
        try:
            gpus, _ = await self.gpu_types()
        except ProviderError as exc:
            log.info("pods.catalog_unavailable %s", exc.message)
            return
        for pod in pods:
            price = hourly_price(find_gpu(gpus, pod.gpu_type), pod.cloud_type, pod.gpu_count)
            if pod.id not in self._rates and price is not None:
                self._rates[pod.id] = price

    async def _view(self, pod: Pod, billed: dict[str, float]) -> PodView:
        self._remember(pod)
        uptime = pod.uptime_seconds()
        cost = billed.get(pod.id)
        if cost is None and pod.cost_per_hr is not None:
            cost = uptime * pod.cost_per_hr / 3600
        pid = server_id(pod.id)
        if not pod.running and pid in self.providers:
            await self.unregister(pod.id, f"the pod is {pod.status.lower()}")
        elif pod.running and pid not in self.providers and pod.exposes(COMFYUI_PORT):
            await self.register(pod)
        return PodView(pod, uptime, cost, pid if pid in self.providers else None)

    # -- actions -----------------------------------------------------------------------------

    async def create(self, spec: CreatePod) -> PodAction:
        decision = self.decision()
        gpus, source = await self.gpu_types()
        gpu = find_gpu(gpus, spec.gpu_type_id)
        if gpu is None and source.startswith("RunPod"):
            raise ValueError(f"RunPod has no GPU type {spec.gpu_type_id!r}; see `pods gpu-types`")
        if gpu is not None and source.startswith("RunPod") and not gpu.available(spec.cloud_type):
            raise ValueError(f"no {gpu.name} is free in the {spec.cloud_type} cloud now; pick "
                             "another GPU type or cloud")
        price = hourly_price(gpu, spec.cloud_type, spec.gpu_count)
        call = create_call(self.endpoints(), self.key(), spec)
        row = self.records.record("create", None, live=decision.live, reason=decision.reason,
                                  usd_per_hour=price, request=self._redacted(call.record()))
        if not decision.live:
            return row
        try:
            pod = await (await self.client()).create(spec)
        except ProviderError as exc:
            return self.records.finish(row, error=self.host.redactor.text(exc.message))
        self._remember(pod)
        self.records.save_seen([SeenRow(pod.id, pod.name, pod.status, pod.cost_per_hr, 0.0)])
        self._emit("changed", pod.id, f"created {pod.name} ({pod.status})")
        return self.records.finish(row, pod_id=pod.id, result=pod.as_dict())

    async def act(self, pod_id: str, action: Action) -> PodAction:
        """Start, stop, restart or terminate (start and restart are paid: their record
        carries the pod's price per hour)."""
        check_pod_id(pod_id)
        decision = self.decision()
        price = None
        if action in ("start", "restart"):
            price = await self._price_of(pod_id)
        call = action_call(self.endpoints(), self.key(), pod_id, action)
        row = self.records.record(action, pod_id, live=decision.live, reason=decision.reason,
                                  usd_per_hour=price, request=self._redacted(call.record()))
        if not decision.live:
            return row
        try:
            pod = await (await self.client()).act(pod_id, action)
        except ProviderError as exc:
            return self.records.finish(row, error=self.host.redactor.text(exc.message))
        if action in ("stop", "terminate", "restart"):
            await self.unregister(pod_id, f"the pod was told to {action}")
        if pod is None:
            self.known.pop(pod_id, None)
            self._rates.pop(pod_id, None)
            self.records.drop_seen(pod_id)
        else:
            self._remember(pod)
            before = self.known.get(pod_id)
            self.known[pod_id] = PodView(pod, pod.uptime_seconds(),
                                         before.cost_so_far if before else None, None)
            self.records.save_seen([self._seen(self.known[pod_id])])
        self._emit("changed", pod_id, f"{action} sent")
        return self.records.finish(row, result=None if pod is None else pod.as_dict())

    async def _price_of(self, pod_id: str) -> float | None:
        """What starting the pod costs per hour: its own rate while it is up; for a stopped
        pod (RunPod v2 says `cost` 0.0 then) its GPU type's price x count in its cloud."""
        if self.rate(pod_id) is not None:
            return self.rate(pod_id)
        known = self.known.get(pod_id)
        pod = known.pod if known is not None else None
        try:
            if pod is None and self.key():
                pod = await (await self.client()).pod(pod_id)
        except ProviderError:
            return None
        if pod is None:
            return None
        self._remember(pod)
        if self.rate(pod_id) is None:
            await self._rates_from_catalog([pod])
        return self.rate(pod_id)

    def _redacted(self, record: dict[str, Any]) -> dict[str, Any]:
        value = self.host.redactor.value(record)
        return value if isinstance(value, dict) else {}

    # -- the pod's ComfyUI as a server -------------------------------------------------------

    def _templates(self) -> Sequence[WorkflowTemplate]:
        comfy = self.providers.get("comfyui")
        templates = getattr(comfy, "templates", None)
        return list(templates.values()) if isinstance(templates, dict) else bundled_templates()

    async def register(self, pod: Pod) -> ServerRow | None:
        """Register the pod's ComfyUI if it answers through the proxy now (else None)."""
        url = self.endpoints().proxy_url(pod.id, COMFYUI_PORT)
        probe = pod_comfyui(pod.id, pod.name, url, templates=self._templates())
        http = await self.host.http()
        ctx = ProviderContext(base_url=url, key=None, sandbox=self.host.sandbox_url is not None)
        try:
            await probe.health(http, ctx)
            checkpoints = await probe.node_choices(http, ctx, "CheckpointLoaderSimple",
                                                   "ckpt_name")
        except ProviderError as exc:
            log.info("pods.not_ready pod=%s %s", pod.id, exc.message)
            return None
        finally:
            await probe.aclose()
        row = ServerRow(pod.id, probe.info.id, pod.name, url, tuple(checkpoints),
                        pod.cost_per_hr)
        self._install(row)
        self.records.save_server(row)
        await self.catalog.refresh_health(only=[row.provider_id])
        self._emit("registered", pod.id, f"{pod.name}'s ComfyUI is a server now "
                                         f"({len(checkpoints)} checkpoints)")
        return row

    def _install(self, row: ServerRow, idle_seconds: float = 0.0) -> None:
        self.providers[row.provider_id] = pod_comfyui(
            row.pod_id, row.name, row.base_url, templates=self._templates(),
            checkpoints=row.checkpoints, usd_per_hour=row.usd_per_hour)
        self.guard.watch(row.pod_id, idle_seconds)

    def restore(self) -> None:
        """The servers registered by earlier runs (no network: the catalog checks them).
        The idle guard counts from each one's last job, the time the studio was closed
        included: a pod left up since is warned about at the first check, then stopped."""
        unfinished = [s.value for s in JobStatus if not s.terminal]
        for row in self.records.servers():
            if row.provider_id not in self.providers:
                idle = self.records.idle_seconds(row.pod_id, row.provider_id, unfinished)
                self._install(row, idle)

    async def unregister(self, pod_id: str, why: str) -> bool:
        pid = server_id(pod_id)
        self.records.drop_server(pod_id)
        self.guard.forget(pod_id)
        provider = self.providers.pop(pid, None)
        if provider is None:
            return False
        await provider.aclose()
        self._emit("unregistered", pod_id, f"its ComfyUI is no longer a server: {why}")
        return True

    async def wait_ready(self, pod_id: str, *, timeout: float = 900.0,
                         interval: float = 3.0) -> ServerRow | None:
        """Poll the pod until it runs and its ComfyUI answers, then register it. None if it
        stopped, or the time ran out."""
        deadline = time.monotonic() + timeout
        while True:
            view = await self.show(pod_id)
            if view.server is not None:
                return next((r for r in self.records.servers() if r.pod_id == pod_id), None)
            if view.pod.status in (*DOWN, ERROR):  # it will not come up by itself
                return None
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(interval)

    # -- the money guard ---------------------------------------------------------------------

    def _store_event(self, event: StoreEvent) -> None:
        job = event.job
        if job is None or not event.kind.about_job:
            return
        provider = self.providers.get(job.provider)
        if isinstance(provider, PodComfyUI):
            self.guard.job_seen(provider.pod_id, job.id, job.status.terminal)

    async def check_idle(self) -> list[PodEvent]:
        """Warn about pods idle for nearly N minutes; stop those idle for N (settings.pods)."""
        settings = self.host.settings.pods
        events = []
        for verdict in self.guard.verdicts(settings.idle_minutes, settings.warn_minutes):
            name = self._name(verdict.pod_id)
            if not verdict.stop:
                message = (f"{name} has had no job for {_span(verdict.idle_seconds)}; it "
                           f"stops in {verdict.left_seconds / 60:.1f} min unless used")
                events.append(PodEvent("idle_warning", verdict.pod_id, message))
                self._emit(*asdict(events[-1]).values())
                continue
            row = await self.act(verdict.pod_id, "stop")
            kind = "idle_stopped" if row.live and row.error is None else "error"
            message = (f"{name} stopped after {_span(verdict.idle_seconds)} idle"
                       if kind == "idle_stopped" else
                       f"{name} is idle but could not be stopped: {row.error or row.reason}")
            if kind == "error":
                self.guard.forget(verdict.pod_id)  # one message, not one per tick
            events.append(PodEvent(kind, verdict.pod_id, message))
            self._emit(kind, verdict.pod_id, message)
        return events

    def _name(self, pod_id: str) -> str:
        known = self.known.get(pod_id)
        if known is not None:
            return known.pod.name
        provider = self.providers.get(server_id(pod_id))
        return provider.info.name if provider is not None else pod_id

    def in_use(self) -> bool:
        """Has this studio run pods (records.pods_in_use)?"""
        return pods_in_use(self.records.tables)

    def running_cost(self) -> RunningCost:
        """What the pods last seen running cost (for the status bar)."""
        up = [v for v in self.known.values() if v.pod.up]
        return RunningCost(len(up), round(sum(v.pod.cost_per_hr or 0.0 for v in up), 6),
                           round(sum(v.cost_so_far or 0.0 for v in up), 6))

    def quit_check(self) -> list[dict[str, Any]]:
        """The pods still running (last seen) and what each costs per hour."""
        return [{"pod_id": v.pod.id, "name": v.pod.name, "usd_per_hour": v.pod.cost_per_hr,
                 "status": v.pod.status}
                for v in self.known.values() if v.pod.up]

    async def stop_all(self, pod_ids: Sequence[str]) -> list[PodAction]:
        return [await self.act(pod_id, "stop") for pod_id in pod_ids]

    def close(self) -> None:
        self._unsubscribe()


def _span(seconds: float) -> str:
    """An idle time in words: minutes, or hours past 90 minutes (a pod left up overnight)."""
    minutes = seconds / 60
    return f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.1f} min"
