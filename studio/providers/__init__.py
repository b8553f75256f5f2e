"""Provider adapters. Each module declares one provider on the shared base.

A provider module sets `PROVIDER = TheProvider` (a `Provider` subclass whose `info` is its
whole declaration). The built-in modules are listed below in catalog order; more can be
named in the environment (`STUDIO_PROVIDER_MODULES=pkg.module,other.module`). The registry
builds one instance of each per Studio, with that Studio's environment: nothing is cached
process-wide.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping

from studio.providers.base import DeclarationError, Provider, ProviderInfo
from studio.providers.chat import ChatProvider

BUILTIN_MODULES = (
    "studio.providers.fal",
    "studio.providers.runway",
    "studio.providers.stability",
    "studio.providers.luma",
    "studio.providers.luma_agents",
    "studio.providers.pika",
    "studio.providers.firefly",
    "studio.providers.comfyui",
    "studio.providers.runpod",
    "studio.providers.vividflow",
)
MODULES_ENV = "STUDIO_PROVIDER_MODULES"
# Assistant endpoints (providers/chat.py): chat calls, not render jobs. A module sets
# `ASSISTANT = TheChatProvider`; the first is the one the studio uses.
ASSISTANT_MODULES = ("studio.providers.openai_chat",)


class RegistryError(ValueError):
    """A provider module that cannot be used, with what to fix."""


def module_names(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The built-in modules plus any named in STUDIO_PROVIDER_MODULES."""
    extra = (env or {}).get(MODULES_ENV, "")
    named = [m.strip() for m in extra.split(",") if m.strip()]
    return tuple(dict.fromkeys([*BUILTIN_MODULES, *named]))


def provider_class(module: str) -> type[Provider]:
    try:
        found = getattr(importlib.import_module(module), "PROVIDER", None)
    except Exception as exc:  # any import failure of a plug-in module is the user's to fix
        raise RegistryError(f"provider module {module!r} could not be imported "
                            f"({type(exc).__name__}: {exc})") from None
    if not (isinstance(found, type) and issubclass(found, Provider)):
        raise RegistryError(f"provider module {module!r} has no PROVIDER = <Provider subclass>")
    if not isinstance(getattr(found, "info", None), ProviderInfo):
        raise RegistryError(f"{found.__name__} in {module!r} declares no ProviderInfo `info`")
    return found


def provider_classes(modules: Iterable[str] = BUILTIN_MODULES) -> list[type[Provider]]:
    """The provider classes of `modules`, checked as a whole: unique ids, known key owners."""
    classes = [provider_class(m) for m in modules]
    seen: dict[str, str] = {}
    for cls in classes:
        info = cls.info
        for name in (info.id, *info.former_ids):
            if name in seen:
                raise RegistryError(f"provider id {name!r} is declared twice ({seen[name]} and "
                                    f"{cls.__name__})")
            seen[name] = cls.__name__
    ids = {cls.info.id for cls in classes}
    for cls in classes:
        if cls.info.key_from and cls.info.key_from not in ids:
            raise RegistryError(f"{cls.info.id} borrows the key of {cls.info.key_from!r}, "
                                "which is not registered")
    return classes


def infos(modules: Iterable[str] = BUILTIN_MODULES) -> list[ProviderInfo]:
    """Every declaration, without building any provider (sandbox, fixtures, docs)."""
    return [cls.info for cls in provider_classes(modules)]


def registry(env: Mapping[str, str] | None = None,
             modules: Iterable[str] | None = None) -> dict[str, Provider]:
    """A fresh instance of every provider, keyed by id, in catalog order."""
    names = module_names(env) if modules is None else tuple(modules)
    return {cls.info.id: cls(env=env or {}) for cls in provider_classes(names)}


def assistant_class(module: str = ASSISTANT_MODULES[0]) -> type[ChatProvider]:
    found = getattr(importlib.import_module(module), "ASSISTANT", None)
    if not (isinstance(found, type) and issubclass(found, ChatProvider)
            and isinstance(getattr(found, "info", None), ProviderInfo)):
        raise RegistryError(f"assistant module {module!r} has no ASSISTANT = <ChatProvider "
                            "subclass with a ProviderInfo `info`>")
    return found


def assistant_infos() -> list[ProviderInfo]:
    """The assistant endpoints' declarations (the sandbox serves them; fixtures clear their
    environment variables)."""
    return [assistant_class(m).info for m in ASSISTANT_MODULES]


__all__ = ["ASSISTANT_MODULES", "BUILTIN_MODULES", "MODULES_ENV", "DeclarationError",
           "Provider", "RegistryError", "assistant_class", "assistant_infos", "infos",
           "module_names", "provider_classes", "registry"]
