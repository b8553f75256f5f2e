"""Settings' "Test connection" with the key the artist has just typed (not yet saved), and
"Test" of a server address typed but not saved: the same health and balance checks the
catalog runs, with that key or address in the context."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import httpx

from studio.providers.base import ProviderError
from studio.providers.http import check_base_url

if TYPE_CHECKING:
    from studio.core.ports import ConnectionTests


async def check_typed_key(studio: ConnectionTests, provider_id: str, key: str) -> tuple[bool, str]:
    """(ok, what to tell the artist). The key is added to the redactor first, so no
    message, log or record can carry it."""
    key = key.strip()
    if not key:
        return await studio.check_connection(provider_id)
    studio.redactor.add([key])
    provider = studio.providers[provider_id]
    owner_id = provider.info.key_from or provider_id
    owner = studio.providers[owner_id]
    try:
        ctx = dataclasses.replace(studio.context(owner_id), key=key)
        http = await studio.http()
        health = await owner.health(http, ctx)
        if health is not None and not health.ok:
            return False, studio.redactor.text(health.detail or "the server does not answer")
        quota = await owner.usage(http, ctx)
    except ProviderError as exc:
        return False, studio.redactor.text(exc.message)
    except ValueError as exc:  # a bad base URL in settings
        return False, studio.redactor.text(str(exc))
    if quota is not None:
        money = f" (${quota.usd:,.2f})" if quota.usd is not None else ""
        return True, (f"The typed key works: {quota.remaining:,g} {quota.unit}{money} left. "
                      "Save to keep it.")
    if health is not None:
        return True, f"The server answers{': ' + health.detail if health.detail else ''}."
    return True, ("This provider has no balance endpoint, so a key is only checked by a live "
                  "job. Save to keep it.")


async def check_address(studio: ConnectionTests, provider_id: str,
                        url: str) -> tuple[bool, str]:
    """(ok, what to tell the artist) for a base URL typed in Settings: whether a server
    answers there (its health check; else its balance endpoint; else any HTTP answer)."""
    url = url.strip()
    try:
        url = check_base_url(url)
    except ValueError as exc:
        return False, str(exc)
    provider = studio.providers[provider_id]
    owner_id = provider.info.key_from or provider_id
    owner = studio.providers[owner_id]
    http = await studio.http()
    try:
        ctx = dataclasses.replace(studio.context(owner_id), base_url=url)
        health = await owner.health(http, ctx)
        if health is not None:
            if not health.ok:
                return False, studio.redactor.text(health.detail or "the server does not answer")
            return True, f"The server answers{': ' + health.detail if health.detail else ''}."
        if ctx.key:
            quota = await owner.usage(http, ctx)
            if quota is not None:
                return True, f"The server answers: {quota.remaining:,g} {quota.unit} left."
        response = await http.get(url, timeout=10.0)
    except ProviderError as exc:
        if exc.status is not None:  # it answered, with an error of its own
            return True, studio.redactor.text(f"Something answers at {url} ({exc.message}).")
        return False, studio.redactor.text(exc.message)
    except ValueError as exc:
        return False, studio.redactor.text(str(exc))
    except httpx.HTTPError as exc:
        return False, f"Nothing answers at {url}: {type(exc).__name__}"
    return True, f"Something answers at {url} (HTTP {response.status_code})."
