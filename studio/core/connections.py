"""Where and how each provider is reached: which providers a Studio has, each one's base
URL (the sandbox's mount, STUDIO_<ID>_BASE_URL, Settings, its declared default) and its own
settings. Everything comes from the provider's declaration; no provider is named here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from studio.core.config import Settings
from studio.providers import MODULES_ENV, RegistryError, registry
from studio.providers.base import Provider
from studio.providers.http import check_base_url


def load_providers(env: Mapping[str, str]) -> tuple[dict[str, Provider], list[str]]:
    """A fresh instance of every registered provider, and warnings for broken plug-ins."""
    try:
        return registry(env), []
    except RegistryError as exc:  # a plug-in module named in the environment is broken
        return (registry({**env, MODULES_ENV: ""}),
                [f"{exc}; only the built-in providers are loaded"])


def old_env_message(old: str, new: str) -> str:
    return (f"{old} is not read: provider ids in environment names are env-safe "
            f"(letters, digits, underscore); set {new} instead")


def old_env_warnings(providers: Mapping[str, Provider], env: Mapping[str, str]) -> list[str]:
    return [old_env_message(name, p.info.base_url_env) for p in providers.values()
            for name in p.info.former_base_url_envs if env.get(name)]


def key_owner(providers: Mapping[str, Provider], provider_id: str) -> Provider:
    """The provider whose key and base URL this one uses (itself, unless it borrows)."""
    provider = providers[provider_id]
    return providers[provider.info.key_from] if provider.info.key_from else provider


def base_url(providers: Mapping[str, Provider], provider_id: str, env: Mapping[str, str],
             settings: Settings, sandbox_url: str | None) -> str:
    """Raises ValueError for a bad URL or a base-URL variable under an old spelling."""
    fixed = getattr(providers[provider_id], "fixed_base_url", None)
    if isinstance(fixed, str) and fixed:  # a server registered at run time (a RunPod pod)
        return fixed
    owner = key_owner(providers, provider_id).info
    if sandbox_url:
        return f"{sandbox_url}/{owner.id}"
    for old in owner.former_base_url_envs:
        if env.get(old):
            raise ValueError(old_env_message(old, owner.base_url_env))
    saved = next((settings.base_urls[i] for i in (owner.id, *owner.former_ids)
                  if settings.base_urls.get(i)), None)
    return check_base_url(env.get(owner.base_url_env) or saved or owner.default_base_url)


def provider_options(provider: Provider, settings: Settings) -> dict[str, Any]:
    """The provider's own settings (Settings.provider_options[<id>]), validated by it."""
    raw = settings.provider_options.get(provider.info.id, {})
    if provider.options_model is None:
        return dict(raw)
    try:
        return provider.options_model.model_validate(raw).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"provider_options.{provider.info.id}.{where}: "
                         f"{first['msg']}") from None
