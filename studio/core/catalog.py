"""The provider catalog: models, modes, prices, quotas and each provider's status.

Statuses: live, dry-run, missing-credentials, low-quota, disabled. Quotas come from each
provider's balance endpoint when a key is present and are cached (5 minutes by default);
crossing the low-quota threshold is logged once. Every price shows its source and the date
it was checked; every provider lists the sources of its prices.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import ValidationError

from studio.core.costs import CostMeter
from studio.core.ports import LivePolicy, ProviderAccess, ProviderKeys, SettingsSource
from studio.core.reachability import Reach, Reachability, checks_a_server
from studio.providers.base import Health, Kind, ModelInfo, Price, ProviderError, Quota

log = logging.getLogger(__name__)

_RANK = {"live": 0, "low-quota": 1, "dry-run": 2, "missing-credentials": 3, "disabled": 4}


@dataclass
class ModelEntry:
    """A model as the catalog shows it: status, modes, price and links."""
    id: str
    name: str
    kind: str
    modes: list[str]
    status: str
    reason: str
    price: dict[str, Any]
    capabilities: dict[str, Any]
    description: str
    metadata: dict[str, str]
    source: str = ""  # where the model's id and fields come from
    # In the sandbox: what a job would be outside it (None outside the sandbox).
    outside_status: str | None = None
    outside_reason: str | None = None


@dataclass
class ProviderEntry:
    """A provider as the catalog shows it: status and why, quota and its models."""
    id: str
    name: str
    kinds: list[str]
    status: str
    reason: str
    key_source: str
    docs_url: str
    pricing_url: str
    notes: str
    sandbox: bool
    models: list[ModelEntry] = field(default_factory=list)
    quota: dict[str, Any] | None = None
    price_sources: list[dict[str, Any]] = field(default_factory=list)
    image_transport: str = "inline_or_url"
    # In the sandbox: what jobs would be outside it (None outside the sandbox).
    outside_status: str | None = None
    outside_reason: str | None = None
    # Self-hosted servers: answers, silent, unchecked (None for hosted APIs).
    server: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def price_note(price: dict[str, Any] | None) -> str:
    """A price's basis, source and date in words, for tooltips and details."""
    if not price:
        return ""
    note = price.get("basis") or ""
    if price.get("source"):
        checked = f", checked {price['checked']}" if price.get("checked") else ""
        note += f"\nSource: {price['source']}{checked}"
    return note.strip()


def _model_entry(model: ModelInfo, status: str, reason: str,
                 outside: tuple[str, str] | None) -> ModelEntry:
    caps = asdict(model.capabilities)
    return ModelEntry(
        id=model.id, name=model.name, kind=model.kind.value,
        modes=[m.value for m in model.modes], status=status, reason=reason,
        price=_default_price(model), capabilities=caps,
        description=model.description, metadata=dict(model.metadata), source=model.source,
        outside_status=outside[0] if outside else None,
        outside_reason=outside[1] if outside else None)


def _default_price(model: ModelInfo) -> dict[str, Any]:
    """The price with default params; a model with required params shows no price.

    The defaults are taken as declared (`model_construct`, which is what validating them
    gives: defaults are not validated), so the catalog does not build every model's
    validator at start-up (bench/gui_startup); tests/core/test_catalog_prices.py checks
    both ways agree for every model."""
    if any(f.is_required() for f in model.params.model_fields.values()):
        return Price(usd=None, basis="depends on required settings").as_dict()
    try:
        return model.estimate(model.params.model_construct()).as_dict()
    except (ValidationError, ValueError, TypeError, AttributeError):
        return Price(usd=None, basis="depends on required settings").as_dict()


class Catalog:
    def __init__(self, access: ProviderAccess, *, keys: ProviderKeys, policy: LivePolicy,
                 config: SettingsSource, costs: CostMeter, sandbox: bool) -> None:
        self.access = access
        self.keys = keys
        self.policy = policy
        self.config = config
        self.costs = costs  # told of every balance read, so it can work out actual costs
        self.sandbox = sandbox
        self._quotas: dict[str, tuple[float, Quota | None, str]] = {}
        self.servers = Reachability(self._probe)
        self._low_logged: set[str] = set()

    def invalidate(self, *, servers: bool = True) -> None:
        """Drop cached quotas (and, unless told not to, what the servers answered)."""
        self._quotas.clear()
        if servers:
            self.servers.forget()

    async def _probe(self, provider_id: str) -> Health | None:
        access = self.access
        return await access.providers[provider_id].health(await access.http(),
                                                          access.context(provider_id))

    def checks_a_server(self, provider_id: str) -> bool:
        """A self-hosted server entry: a provider with its own health check, or an entry
        registered at run time with its probe (`servers.add_probe`)."""
        if self.servers.has_probe(provider_id):
            return True
        provider = self.access.providers.get(provider_id)
        return provider is not None and checks_a_server(provider)

    def reach(self, provider_id: str) -> Reach | None:
        """For self-hosted server entries: answers, silent or unchecked; None otherwise."""
        if not self.checks_a_server(provider_id):
            return None
        return self.servers.reach(provider_id)

    def reachable(self, provider_id: str) -> bool | None:
        """For self-hosted servers: did the last health check answer? None if unknown."""
        reach = self.reach(provider_id)
        return {Reach.ANSWERS: True, Reach.SILENT: False}.get(reach) if reach else None

    def health_detail(self, provider_id: str) -> str | None:
        return self.servers.detail(provider_id)

    def entries(self) -> list[ProviderEntry]:
        """The catalog from what is known now; never touches the network."""
        return [self.entry(pid) for pid in self.access.providers]

    def entry(self, provider_id: str) -> ProviderEntry:
        provider = self.access.providers[provider_id]
        key = self.keys.key_for(provider_id)
        quota = self._cached_quota(provider_id)
        per_kind = {}
        outside: dict[Kind, tuple[str, str] | None] = {}
        for kind in provider.info.kinds:
            d = self.policy.decision(provider_id, kind)
            status, reason = d.status, d.reason
            if d.live and quota is not None and self._is_low(quota):
                status = "low-quota"
                reason = f"{quota.remaining:g} {quota.unit} left ({quota.detail or 'low'})"
            per_kind[kind] = (status, reason)
            outside[kind] = (d.outside.status, d.outside.reason) if d.outside else None
        models = [_model_entry(m, *per_kind[m.kind], outside[m.kind])
                  for m in provider.models.values()]
        real = [o for o in outside.values() if o is not None]
        real_best = min(real, key=lambda sr: _RANK[sr[0]]) if real else None
        reach = self.reach(provider_id)
        best = min(per_kind.values(), key=lambda sr: _RANK[sr[0]])
        reason = best[1]
        if len({s for s, _ in per_kind.values()}) > 1:
            reason = "; ".join(f"{k.value}: {s}" for k, (s, _) in per_kind.items())
        return ProviderEntry(
            id=provider_id, name=provider.info.name,
            kinds=[k.value for k in provider.info.kinds], status=best[0], reason=reason,
            key_source=key.source.value, docs_url=provider.info.docs_url,
            pricing_url=provider.info.pricing_url, notes=provider.info.notes,
            sandbox=self.sandbox, models=models,
            quota=None if quota is None else {
                "remaining": quota.remaining, "unit": quota.unit, "usd": quota.usd,
                "low": self._is_low(quota), "detail": quota.detail},
            price_sources=[src.as_dict() for src in provider.info.price_sources],
            image_transport=provider.info.image_transport.value,
            outside_status=real_best[0] if real_best else None,
            outside_reason=("; ".join(dict.fromkeys(r for _, r in real)) if real else None),
            server=reach.value if reach else None,
        )

    def quota(self, provider_id: str) -> Quota | None:
        return self._cached_quota(provider_id)

    def _is_low(self, quota: Quota) -> bool:
        """Below the user's USD threshold when the provider reports money, else its own."""
        if quota.usd is not None:
            return quota.usd < self.config.settings.quota.low_quota_usd
        return quota.low

    def _cached_quota(self, provider_id: str) -> Quota | None:
        cached = self._quotas.get(provider_id)
        if cached is None:
            return None
        at, quota, _ = cached
        if time.monotonic() - at > self.config.settings.quota.cache_seconds:
            return None
        return quota

    async def refresh(
        self, *, force: bool = False, only: Iterable[str] | None = None
    ) -> dict[str, str]:
        """Health of self-hosted servers, then quotas. Returns errors by provider."""
        errors = await self.refresh_health(only=only)
        errors.update(await self.refresh_quotas(force=force, only=only))
        return errors

    def _selected(self, only: Iterable[str] | None) -> list[str]:
        wanted = None if only is None else set(only)
        return [p for p in self.access.providers if wanted is None or p in wanted]

    async def refresh_health(self, *, only: Iterable[str] | None = None,
                             force: bool = True) -> dict[str, str]:
        """Ask each self-hosted server entry whether it answers (all at once; each check is
        cached, so `force=False` asks only those without a fresh answer)."""
        pids = [p for p in self._selected(only) if self.checks_a_server(p)]
        answers = await asyncio.gather(*(self.servers.check(p, force=force) for p in pids))
        return {pid: a.health.detail for pid, a in zip(pids, answers, strict=True)
                if a.health is not None and not a.health.ok}

    async def ensure_checked(self, provider_id: str) -> None:
        """Before a job decides live or dry-run: ask a server nobody has asked lately
        (never, or longer ago than the answer stays fresh)."""
        if self.checks_a_server(provider_id) and self.servers.stale(provider_id):
            await self.servers.check(provider_id)

    async def refresh_quotas(
        self, *, force: bool = False, only: Iterable[str] | None = None
    ) -> dict[str, str]:
        """Ask each provider with a key for its balance. Returns errors by provider."""
        errors: dict[str, str] = {}
        access = self.access
        for pid in self._selected(only):
            provider = access.providers[pid]
            if not self.keys.key_for(pid).present or provider.info.key_from:
                continue
            if not force and self._cached_quota(pid) is not None:
                continue
            try:
                quota = await provider.usage(await access.http(), access.context(pid))
            except ProviderError as exc:
                errors[pid] = exc.message
                self._quotas[pid] = (time.monotonic(), None, exc.message)
                continue
            self._quotas[pid] = (time.monotonic(), quota, "")
            self.costs.observe(pid, quota)  # a balance reading the cost meter can use
            if quota is not None and self._is_low(quota) and pid not in self._low_logged:
                self._low_logged.add(pid)
                log.warning("quota.low provider=%s remaining=%s %s", pid, quota.remaining,
                            quota.unit)
            elif quota is not None and not self._is_low(quota):
                self._low_logged.discard(pid)
        return errors

    def kinds(self, kind: Kind) -> list[ProviderEntry]:
        return [e for e in self.entries() if kind.value in e.kinds]
