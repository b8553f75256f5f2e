"""What the app shows about its providers, built from their declarations and nothing else.

Settings draws its key rows and compliance switches from here, the README's provider table
is this module's `provider_table()` (a test keeps them equal), and the test fixtures clear
`env_names()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field, create_model

from studio.providers.base import Provider, ProviderInfo

STUDIO_ENV = ("STUDIO_SANDBOX_URL", "STUDIO_PROVIDER_MODULES", "STUDIO_IMAGE_HOST_S3_SECRET")


def key_owners(providers: Mapping[str, Provider]) -> list[str]:
    """Providers with a key of their own (one Settings key row each), in catalog order."""
    return [pid for pid, p in providers.items() if not p.info.key_from]


def compliance_gates(providers: Mapping[str, Provider]) -> dict[str, ProviderInfo]:
    return {pid: p.info for pid, p in providers.items() if p.info.compliance}


def compliance_form(providers: Mapping[str, Provider]) -> type[BaseModel]:
    """A params-style model with one switch per provider that has a compliance gate."""
    fields: dict[str, object] = {
        pid: (bool, Field(False, title=info.compliance.label,
                          description=info.compliance.reason))
        for pid, info in compliance_gates(providers).items() if info.compliance
    }
    return create_model("ComplianceSwitches", __config__=ConfigDict(extra="forbid"),
                        **fields)  # type: ignore[call-overload]


def compliance_labels(providers: Mapping[str, Provider]) -> dict[str, str]:
    return {pid: info.compliance.label for pid, info in compliance_gates(providers).items()
            if info.compliance}


def env_names(infos: Iterable[ProviderInfo]) -> set[str]:
    """Every environment variable any provider (or the studio itself) reads."""
    names = set(STUDIO_ENV)
    for info in infos:
        names.update(info.env_names())
        names.update(info.former_base_url_envs)
    return names


_IMAGES = {"inline": "files", "inline_or_url": "files or https URLs",
           "url": "https URLs (files via the image host)"}


def provider_table(infos: Iterable[ProviderInfo]) -> str:
    """The README's provider table (Markdown)."""
    rows = ["| Provider | Id | Kinds | Key (environment) | Base URL override | Input images | "
            "Live when |", "|---|---|---|---|---|---|---|"]
    for info in infos:
        key = (f"uses {info.key_from}'s key" if info.key_from
               else " / ".join(f"`{e}`" for e in info.key.env)
               + ("" if info.key_required else " (optional)"))
        base = f"uses {info.key_from}'s" if info.key_from else f"`{info.base_url_env}`"
        families = sorted({f.value for f in info.families.values()})
        gate = ", ".join(f"`features.enable_{f}_providers`" if f != "self_hosted"
                         else "the server answers (self-hosted)" for f in families)
        if info.compliance:
            gate += f"; `compliance.{info.id}`"
        kinds = ", ".join(k.value for k in info.kinds)
        images = _IMAGES[info.image_transport.value]
        rows.append(f"| [{info.name}]({info.docs_url}) | `{info.id}` | {kinds} | {key} | "
                    f"{base} | {images} | {gate} |")
    return "\n".join(rows)


_T = TypeVar("_T")


class ProviderSet(dict[str, Provider]):
    """The Studio's providers by id; ids a provider had before (`former_ids`) still find it,
    so jobs and settings saved under an old id keep working."""

    def _current(self, key: str) -> str:
        if not dict.__contains__(self, key):
            for pid, provider in self.items():
                if key in provider.info.former_ids:
                    return pid
        return key

    def __missing__(self, key: str) -> Provider:
        current = self._current(key)
        if current == key:
            raise KeyError(key)
        return dict.__getitem__(self, current)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, self._current(key) if isinstance(key, str) else key)

    @overload
    def get(self, key: str, default: None = None, /) -> Provider | None: ...
    @overload
    def get(self, key: str, default: Provider, /) -> Provider: ...
    @overload
    def get(self, key: str, default: _T, /) -> Provider | _T: ...
    def get(self, key: str, default: object = None, /) -> object:
        return dict.get(self, self._current(key), default)
