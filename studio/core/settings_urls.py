"""URLs in the settings are checked when they are set (`config set`, the Settings dialog),
not only when a job first uses them: `file:` and other schemes are refused, and plain
http only reaches this computer (loopback)."""

from __future__ import annotations

from studio.core.config import ConfigError, Settings
from studio.providers.http import check_base_url


def check_new_urls(old: Settings, new: Settings) -> None:
    """Raise ConfigError naming the setting if a URL that changed is not allowed. URLs
    left as they were are not re-judged, so an old file never blocks other changes."""
    for provider_id, url in new.base_urls.items():
        if url and url != old.base_urls.get(provider_id):
            _check(f"base_urls.{provider_id}", url)
    endpoint = new.image_host.s3_endpoint_url.strip()
    if endpoint and endpoint != old.image_host.s3_endpoint_url.strip():
        _check("image_host.s3_endpoint_url", endpoint)
    assistant = new.assistant.base_url
    if assistant and assistant != old.assistant.base_url:
        _check("assistant.base_url", assistant)


def _check(setting: str, url: str) -> None:
    try:
        check_base_url(url.strip())
    except ValueError as exc:
        raise ConfigError(f"{setting}: {exc}") from None
