"""A provider's declaration: the one place each fact about it lives.

The app, the sandbox, the fault switches, the test fixtures, Settings and the README's
provider table are all built from (or checked against) `ProviderInfo`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from studio.providers.pricing import PriceSource

# Provider ids appear in environment names (STUDIO_<ID>_BASE_URL), so they are env-safe.
_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_ENV = re.compile(r"[A-Z_][A-Z0-9_]*\Z")


class Kind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"


class Family(StrEnum):
    """Which feature flag gates a provider's live calls."""

    PUBLIC_IMAGE = "public_image"
    PUBLIC_VIDEO = "public_video"
    SELF_HOSTED = "self_hosted"
    ASSISTANT = "assistant"  # chat calls of the prompt assistant (providers/chat.py)


PUBLIC: Mapping[Kind, Family] = {Kind.IMAGE: Family.PUBLIC_IMAGE,
                                 Kind.VIDEO: Family.PUBLIC_VIDEO}
SELF_HOSTED: Mapping[Kind, Family] = {Kind.IMAGE: Family.SELF_HOSTED,
                                      Kind.VIDEO: Family.SELF_HOSTED}


class ImageTransport(StrEnum):
    """How a provider takes input images."""

    INLINE = "inline"  # file bytes or base64 only; it cannot fetch a URL
    INLINE_OR_URL = "inline_or_url"  # base64/data URIs, or an https URL it fetches
    URL = "url"  # URLs only: local files go through the studio's image host


class DeclarationError(ValueError):
    """A provider declaration that breaks the contract (caught by the registry)."""


@dataclass(frozen=True)
class KeySpec:
    """Where a provider's credential comes from: env vars (first wins), then keyring."""

    env: tuple[str, ...]
    keyring_entry: str
    label: str = "API key"

    def __post_init__(self) -> None:
        for name in self.env:
            if not _ENV.match(name):
                raise DeclarationError(f"key env name {name!r} is not a valid environment "
                                       "variable name (A-Z, 0-9, _)")


@dataclass(frozen=True)
class ComplianceGate:
    """A switch the workspace turns on in Settings before the provider may run at all."""

    label: str  # the Settings checkbox, e.g. "Firefly entitlement approved"
    reason: str  # why the provider stays disabled while it is off


@dataclass(frozen=True)
class ProviderInfo:
    """A provider's declaration: id, name, kinds, key, docs and how the studio talks to it."""
    id: str  # env-safe: lower-case letters, digits, underscore
    name: str
    kinds: tuple[Kind, ...]
    key: KeySpec
    docs_url: str
    pricing_url: str
    default_base_url: str
    notes: str = ""
    # The provider id whose key and base URL this provider borrows (Pika runs on fal).
    key_from: str | None = None
    # Self-hosted servers (ComfyUI) may run without any key.
    key_required: bool = True
    # Which feature flag gates each kind of job.
    families: Mapping[Kind, Family] = field(default_factory=lambda: dict(PUBLIC))
    compliance: ComplianceGate | None = None
    # "package.module:function" returning the sandbox routes served under /<id>.
    sandbox: str | None = None
    # Every page, doc or SDK a price of this provider comes from.
    price_sources: tuple[PriceSource, ...] = ()
    image_transport: ImageTransport = ImageTransport.INLINE_OR_URL
    # The provider reports no per-job cost, but its balance endpoint shows each charge.
    bills_from_balance: bool = False
    # It can host input images for other providers (Provider.host_image, with its own key).
    hosts_images: bool = False
    # Other environment variables the adapter reads (cleared by the test fixtures).
    extra_env: tuple[str, ...] = ()
    # Ids this provider had before (jobs and settings saved under them still resolve).
    former_ids: tuple[str, ...] = ()
    # Its address is the artist's to set (a server they run, their endpoint): Settings
    # shows it with a Test button.
    address_in_settings: bool = False

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise DeclarationError(
                f"provider id {self.id!r} must be env-safe: lower-case letters, digits and "
                f"underscore, starting with a letter (try {env_safe(self.id)!r})")
        for name in self.extra_env:
            if not _ENV.match(name):
                raise DeclarationError(f"{self.id}: {name!r} is not an environment name")
        if self.sandbox is not None and ":" not in self.sandbox:
            raise DeclarationError(f"{self.id}: sandbox must be 'package.module:function'")
        if set(self.families) != set(self.kinds):
            object.__setattr__(self, "families",
                               {k: dict(self.families).get(k, PUBLIC[k]) for k in self.kinds})

    @property
    def env_id(self) -> str:
        """The id as it appears in environment names."""
        return self.id.upper()

    @property
    def base_url_env(self) -> str:
        return f"STUDIO_{self.env_id}_BASE_URL"

    @property
    def former_base_url_envs(self) -> tuple[str, ...]:
        """Base-URL variables under former or non-env-safe spellings, refused with a hint."""
        names = {f"STUDIO_{i.upper()}_BASE_URL" for i in (*self.former_ids, self.id.replace(
            "_", "-"))}
        return tuple(sorted(names - {self.base_url_env}))

    @property
    def sandbox_mount(self) -> str | None:
        return f"/{self.id}" if self.sandbox else None

    def env_names(self) -> tuple[str, ...]:
        """Every environment variable this provider reads (one borrowing another's key and
        base URL reads that provider's)."""
        own = () if self.key_from else (*self.key.env, self.base_url_env)
        return (*own, *self.extra_env)


def env_safe(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "provider"
