"""The provider contract: what every adapter declares and implements.

An adapter is mostly data (ProviderInfo, ModelInfo with a pydantic params model and a
price rule) plus four small coroutines. Building the request is pure, so a dry-run
records byte-for-byte what a live call would send.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from studio.providers.info import (
    PUBLIC,
    SELF_HOSTED,
    ComplianceGate,
    DeclarationError,
    Family,
    ImageTransport,
    KeySpec,
    Kind,
    ProviderInfo,
    env_safe,
)
from studio.providers.modes import MAX_REFERENCES, Mode, Role, role_limits, roles_for
from studio.providers.pricing import (
    Bill,
    ImageFacts,
    Price,
    PriceRule,
    PriceSource,
    unpriced,
    whole_megapixels,
)
from studio.providers.results import (
    Failed,
    Health,
    Pending,
    PollHint,
    PollResult,
    Quota,
    RemoteHandle,
    RemoteOutput,
    Submitted,
    Succeeded,
)


@dataclass(frozen=True)
class Capabilities:
    """What a model takes besides the prompt: seed, negative prompt, images, mask."""
    seed: bool = True
    negative_prompt: bool = False
    max_reference_images: int = 0
    min_reference_images: int = 0
    requires_image: bool = False
    # A params field that can stand in for an input image (a URL the provider fetches).
    image_url_param: str | None = None
    sizes: tuple[str, ...] = ()
    durations: tuple[float, ...] = ()
    # Takes a mask image (white = change, black = keep); required in its modes or not.
    mask: bool = False
    mask_required: bool = False
    # The role of each input image by position (the last repeats); empty: by mode.
    input_roles: tuple[Role, ...] = ()
    # Whether the model takes a prompt: "required", "optional" or "none" (an upscaler).
    prompt: Literal["required", "optional", "none"] = "required"


class ParamsBase(BaseModel):
    """Base for each model's params model: unknown fields are errors, not silently dropped."""

    # defer_build: each model's validator is built when first used, not for all ~80
    # models at start-up (bench/gui_startup).
    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)

    def weakened_safety(self) -> dict[str, str]:
        """Fields set to weaken the provider's safety filter, with why; none by default."""
        return {}


P = TypeVar("P", bound=ParamsBase)


def params_as(params: Any, kind: type[P]) -> P:
    """The params as the model's own class. A real check, not an assert (asserts vanish
    under python -O): a price rule or build handed another model's params is a bug."""
    if not isinstance(params, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(params).__name__}")
    return params


@dataclass(frozen=True)
class ModelInfo:
    """One model of a provider: modes, parameter form, price rule and capabilities."""
    id: str
    name: str
    modes: tuple[Mode, ...]
    params: type[ParamsBase]
    price: PriceRule
    capabilities: Capabilities = field(default_factory=Capabilities)
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    # Where this model's id and fields come from (an SDK type file, a docs page).
    source: str = ""

    @property
    def kind(self) -> Kind:
        return self.modes[0].kind

    def input_roles(self, mode: Mode, count: int) -> tuple[Role, ...]:
        """What each of `count` input images is to this model in `mode`."""
        return roles_for(self.capabilities.input_roles, mode, count)

    def role_limits(self, mode: Mode) -> dict[Role, int]:
        """How many images of each role this model takes in `mode` (Compose's limits)."""
        caps = self.capabilities
        return role_limits(caps.input_roles, mode, caps.max_reference_images, caps.mask)

    def why_not(self, mode: Mode, role: Role) -> str | None:
        """Why this model cannot take one more image in `role`, or None when it can."""
        if mode not in self.modes:
            return f"{self.name} has no {mode.value} mode"
        if self.role_limits(mode).get(role):
            return None
        if role is Role.MASK:
            return f"{self.name} takes no mask"
        return f"{self.name} takes no {role.value.replace('_', ' ')} in {mode.value} mode"

    def estimate(
        self,
        params: ParamsBase,
        images: Sequence[ImageFacts] = (),
        *,
        observed_seconds: float | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Price:
        """The price of one request: the rule applied to everything that changes the bill."""
        return self.price(Bill(params, tuple(images), observed_seconds, dict(options or {})))


class RenderRequest(BaseModel):
    """What the form (or CLI) asks for. Validated against the model before anything runs."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use

    provider: str
    model: str
    mode: Mode | None = None
    prompt: str = Field(default="", max_length=10_000)
    negative_prompt: str | None = Field(default=None, max_length=10_000)
    seed: int | None = Field(default=None, ge=0, le=4_294_967_294)
    params: dict[str, Any] = Field(default_factory=dict)
    input_images: list[str] = Field(default_factory=list)
    # A mask image (a file, `asset:<id>` or an https URL): white = change, black = keep.
    mask: str | None = None
    compare_group: str | None = None
    # The artist confirmed a setting that weakens a provider's safety filter.
    confirm_weaker_safety: bool = False


@dataclass(frozen=True)
class InputImage:
    """An input image checked by core before build() sees it: a local file (its bytes), or
    a URL the provider fetches (an https input, or a local file the image host uploaded)."""

    name: str
    media_type: str
    data: bytes
    sha256: str
    width: int | None = None
    height: int | None = None
    url: str | None = None
    role: Role = Role.INPUT

    @property
    def facts(self) -> ImageFacts:
        return ImageFacts(self.width, self.height)


@dataclass(frozen=True)
class ProviderContext:
    """Everything a call needs besides the request: where to send it and with what key."""

    base_url: str
    key: str | None
    sandbox: bool = False
    # The provider's own settings (Settings.provider_options[<id>]), validated as plain data.
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FilePart:
    """One file of a multipart request."""
    field: str
    filename: str
    media_type: str
    data: bytes


@dataclass(frozen=True)
class PreparedCall:
    """The exact HTTP request. `secret_headers` lists headers whose values are secrets."""

    method: str
    url: str
    headers: Mapping[str, str]
    json_body: Any = None
    form: Mapping[str, str] | None = None
    files: Sequence[FilePart] = ()
    secret_headers: frozenset[str] = frozenset({"authorization", "x-api-key", "x-key"})

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"headers": dict(self.headers)}
        if self.json_body is not None:
            kwargs["content"] = self.body_bytes()
            kwargs["headers"].setdefault("Content-Type", "application/json")
        elif self.form is not None or self.files:
            # Plain fields as filename-less parts: always multipart, with no stray parts.
            kwargs["files"] = [(k, (None, v)) for k, v in (self.form or {}).items()] + [
                (f.field, (f.filename, f.data, f.media_type)) for f in self.files
            ]
        return kwargs

    def body_bytes(self) -> bytes:
        return json.dumps(self.json_body, separators=(",", ":"), sort_keys=False).encode()

    def record(self) -> dict[str, Any]:
        """A JSON-safe description with secret headers masked and file bodies summarised."""
        headers = {
            k: (_mask(v) if k.lower() in self.secret_headers else v)
            for k, v in self.headers.items()
        }
        out: dict[str, Any] = {"method": self.method, "url": self.url, "headers": headers}
        if self.json_body is not None:
            out["body"] = _summarise_data_uris(self.json_body)
        if self.form is not None or self.files:
            out["form"] = _summarise_data_uris(dict(self.form or {}))
            out["files"] = [
                {"field": f.field, "filename": f.filename, "media_type": f.media_type,
                 "bytes": len(f.data)}
                for f in self.files
            ]
        return out


def _mask(value: str) -> str:
    scheme, _, rest = value.partition(" ")
    return f"{scheme} ***" if rest else "***"


_SIGNATURE = re.compile(r"(?<=[?&])((?:X-Amz-Signature|Signature|sig)=)[^&\s\"]+",
                        re.IGNORECASE)


def mask_signature(url: str) -> str:
    """A URL with any signature in its query masked (a presigned URL's signature works like
    a password until it expires)."""
    return _SIGNATURE.sub(r"\1***", url)


def _summarise_data_uris(value: Any) -> Any:
    """Data URIs are kept out of records (they can be megabytes); their size is kept.
    Signed URLs keep everything but their signature, which works like a password."""
    if isinstance(value, str) and value.startswith("data:") and len(value) > 256:
        head = value.split(",", 1)[0]
        return f"{head},<{len(value)} chars>"
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return mask_signature(value)
    if isinstance(value, dict):
        return {k: _summarise_data_uris(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_summarise_data_uris(v) for v in value]
    return value


class Provider(ABC):
    """One provider adapter. Subclasses set `info` and `models` and implement the calls.

    A module declares one provider by setting `PROVIDER = TheProvider`; the registry builds
    one instance per Studio with that Studio's environment."""

    info: ClassVar[ProviderInfo]
    models: Mapping[str, ModelInfo]
    poll_hint: PollHint = PollHint()
    # The provider's own settings (Settings.provider_options[<id>]); None when it has none.
    options_model: ClassVar[type[BaseModel] | None] = None

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env: Mapping[str, str] = env if env is not None else {}

    @property
    def family(self) -> Mapping[Kind, Family]:
        return self.info.families

    def model(self, model_id: str) -> ModelInfo:
        try:
            return self.models[model_id]
        except KeyError:
            known = ", ".join(sorted(self.models))
            raise UnknownModel(
                f"{self.info.name} has no model {model_id!r}; known: {known}"
            ) from None

    @abstractmethod
    def build(
        self,
        request: RenderRequest,
        params: ParamsBase,
        images: Sequence[InputImage],
        ctx: ProviderContext,
    ) -> PreparedCall:
        """Pure: the exact HTTP request for this job. No I/O."""

    @abstractmethod
    async def submit(
        self, http: httpx.AsyncClient, call: PreparedCall, ctx: ProviderContext
    ) -> Submitted: ...

    @abstractmethod
    async def poll(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> PollResult: ...

    async def cancel(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> bool:
        """Ask the provider to stop. Returns False when it has no cancel endpoint."""
        return False

    async def usage(self, http: httpx.AsyncClient, ctx: ProviderContext) -> Quota | None:
        return None

    async def health(self, http: httpx.AsyncClient, ctx: ProviderContext) -> Health | None:
        """Self-hosted providers say whether their server answers; others return None."""
        return None

    def check(
        self, request: RenderRequest, params: ParamsBase, images: Sequence[InputImage]
    ) -> list[tuple[str, str]]:
        """Cross-field problems as (field, message); none by default. Runs before any job
        is written, so build() can assume a consistent request."""
        return []

    def server_choice_fields(self, model_id: str) -> tuple[str, ...]:
        """Params whose valid values the server can list (ComfyUI checkpoints)."""
        return ()

    async def server_choices(
        self, http: httpx.AsyncClient, ctx: ProviderContext, model_id: str, field: str
    ) -> list[str]:
        raise ProviderError(f"{self.info.name} cannot list values for {field!r}",
                            code="unsupported")

    async def aclose(self) -> None:  # noqa: B027 (optional hook, nothing to release here)
        """Release long-lived resources (sockets) when the studio shuts down."""

    def disabled_reason(self, settings: Mapping[str, Any]) -> str | None:
        """Why this provider is switched off by settings beyond its declared compliance gate,
        or None. `settings` is the studio settings as plain JSON data."""
        return None

    async def balance(self, http: httpx.AsyncClient, ctx: ProviderContext) -> Quota | None:
        """The account balance, read before and after a job to measure what it cost when the
        provider reports no per-job cost (`info.bills_from_balance`). Defaults to usage()."""
        return await self.usage(http, ctx)

    async def host_image(self, http: httpx.AsyncClient, ctx: ProviderContext,
                         image: InputImage) -> str:
        """Upload an input image to this provider's storage (`info.hosts_images`) and return
        a URL any provider can fetch."""
        raise ProviderError(f"{self.info.name} does not host images", code="unsupported")

    def download_headers(self, ctx: ProviderContext) -> dict[str, str]:
        """Headers for fetching outputs that need auth (most providers sign their URLs)."""
        return {}


class ProviderError(Exception):
    """A failure a user can act on. `retryable` means the same call may succeed later."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.retryable = retryable
        self.retry_after = retry_after


class UnknownModel(ProviderError):
    pass


__all__ = [
    "MAX_REFERENCES", "PUBLIC", "SELF_HOSTED", "Bill", "Capabilities", "ComplianceGate",
    "DeclarationError", "Failed", "Family", "FilePart", "Health", "ImageFacts",
    "ImageTransport", "InputImage", "KeySpec", "Kind", "Mode", "ModelInfo", "ParamsBase",
    "Pending", "PollHint", "PollResult", "PreparedCall", "Price", "PriceRule", "PriceSource",
    "Provider", "ProviderContext", "ProviderError", "ProviderInfo", "Quota", "RemoteHandle",
    "RemoteOutput", "RenderRequest", "Role", "Submitted", "Succeeded", "UnknownModel",
    "env_safe", "mask_signature", "params_as", "unpriced", "whole_megapixels",
]
