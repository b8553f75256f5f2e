"""Settings' "Test connection" with the key the artist has just typed (not yet saved):
the same health and balance checks the catalog runs, with that key in the context."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from studio.providers.base import ProviderError

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
