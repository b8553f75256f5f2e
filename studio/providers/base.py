"""The provider contract: what every adapter declares and implements.

An adapter is mostly data (ProviderInfo, ModelInfo with a pydantic params model and a
price rule) plus four small coroutines. Building the request is pure, so a dry-run
records byte-for-byte what a live call would send.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field


class Kind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"


class Mode(StrEnum):
    TXT2IMG = "txt2img"
    IMG2IMG = "img2img"
    TXT2VIDEO = "txt2video"
    IMG2VIDEO = "img2video"
    STORYBOARD = "storyboard"

    @property
    def kind(self) -> Kind:
        return Kind.IMAGE if self in (Mode.TXT2IMG, Mode.IMG2IMG) else Kind.VIDEO


class Family(StrEnum):
    """Which feature flag gates a provider's live calls."""

    PUBLIC_IMAGE = "public_image"
    PUBLIC_VIDEO = "public_video"
    SELF_HOSTED = "self_hosted"


@dataclass(frozen=True)
class KeySpec:
    """Where a provider's credential comes from: env vars (first wins), then keyring."""

    env: tuple[str, ...]
    keyring_entry: str
    label: str = "API key"


@dataclass(frozen=True)
class ProviderInfo:
    id: str
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


@dataclass(frozen=True)
class Price:
    """A price estimate. Credits are the provider's own unit when it has one."""

    usd: float | None
    credits: float | None = None
    approximate: bool = True
    basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "usd": None if self.usd is None else round(self.usd, 4),
            "credits": None if self.credits is None else round(self.credits, 3),
            "approximate": self.approximate,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class Capabilities:
    seed: bool = True
    negative_prompt: bool = False
    max_reference_images: int = 0
    min_reference_images: int = 0
    requires_image: bool = False
    # A params field that can stand in for an input image (a URL the provider fetches).
    image_url_param: str | None = None
    sizes: tuple[str, ...] = ()
    durations: tuple[float, ...] = ()


class ParamsBase(BaseModel):
    """Base for each model's params model: unknown fields are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    def weakened_safety(self) -> dict[str, str]:
        """Fields set to weaken the provider's safety filter, with why; none by default."""
        return {}


@dataclass(frozen=True)
class ModelInfo:
    id: str
    name: str
    modes: tuple[Mode, ...]
    params: type[ParamsBase]
    price: Callable[[ParamsBase], Price]
    capabilities: Capabilities = field(default_factory=Capabilities)
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> Kind:
        return self.modes[0].kind


class RenderRequest(BaseModel):
    """What the form (or CLI) asks for. Validated against the model before anything runs."""

    model_config = ConfigDict(extra="forbid")

    provider: str
    model: str
    mode: Mode | None = None
    prompt: str = Field(default="", max_length=10_000)
    negative_prompt: str | None = Field(default=None, max_length=10_000)
    seed: int | None = Field(default=None, ge=0, le=4_294_967_294)
    params: dict[str, Any] = Field(default_factory=dict)
    input_images: list[str] = Field(default_factory=list)
    compare_group: str | None = None
    # The artist confirmed a setting that weakens a provider's safety filter.
    confirm_weaker_safety: bool = False


@dataclass(frozen=True)
class InputImage:
    """An input image read and checked by core before build() sees it."""

    name: str
    media_type: str
    data: bytes
    sha256: str


@dataclass(frozen=True)
class ProviderContext:
    """Everything a call needs besides the request: where to send it and with what key."""

    base_url: str
    key: str | None
    sandbox: bool = False


@dataclass(frozen=True)
class FilePart:
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
            out["form"] = dict(self.form or {})
            out["files"] = [
                {"field": f.field, "filename": f.filename, "media_type": f.media_type,
                 "bytes": len(f.data)}
                for f in self.files
            ]
        return out


def _mask(value: str) -> str:
    scheme, _, rest = value.partition(" ")
    return f"{scheme} ***" if rest else "***"


def _summarise_data_uris(value: Any) -> Any:
    """Data URIs are kept out of records (they can be megabytes); their size is kept."""
    if isinstance(value, str) and value.startswith("data:") and len(value) > 256:
        head = value.split(",", 1)[0]
        return f"{head},<{len(value)} chars>"
    if isinstance(value, dict):
        return {k: _summarise_data_uris(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_summarise_data_uris(v) for v in value]
    return value


# ---- what submit/poll return -------------------------------------------------------


@dataclass(frozen=True)
class RemoteOutput:
    """One output as the provider offers it: a URL to fetch, or bytes it sent inline."""

    url: str | None = None
    data: bytes | None = None
    media_type: str | None = None
    filename: str | None = None
    needs_auth: bool = False


@dataclass(frozen=True)
class RemoteHandle:
    """What must be persisted to find a job at the provider again after a restart."""

    remote_id: str
    urls: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"remote_id": self.remote_id, "urls": dict(self.urls)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RemoteHandle:
        return cls(remote_id=str(data["remote_id"]), urls=dict(data.get("urls") or {}))


@dataclass(frozen=True)
class Pending:
    state: Literal["queued", "running"]
    progress: float | None = None
    queue_position: int | None = None
    message: str | None = None
    raw: Any = None


@dataclass(frozen=True)
class Succeeded:
    outputs: Sequence[RemoteOutput]
    seed: int | None = None
    actual: Price | None = None
    raw: Any = None
    message: str | None = None


@dataclass(frozen=True)
class Failed:
    message: str
    code: str | None = None
    retryable: bool = False
    raw: Any = None


PollResult = Pending | Succeeded | Failed


@dataclass(frozen=True)
class Submitted:
    """The provider accepted the job. Synchronous providers answer with `result` at once."""

    handle: RemoteHandle
    result: Succeeded | Failed | None = None
    raw: Any = None


@dataclass(frozen=True)
class Quota:
    remaining: float
    unit: Literal["credits", "usd", "generations"]
    usd: float | None = None
    low_threshold: float | None = None
    detail: str = ""

    @property
    def low(self) -> bool:
        return self.low_threshold is not None and self.remaining < self.low_threshold


@dataclass(frozen=True)
class Health:
    """Whether a (self-hosted) server answers, and what it says about itself."""

    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class PollHint:
    """How soon to poll again, from what the provider told us."""

    min_interval: float = 0.5
    max_interval: float = 8.0


class Provider(ABC):
    """One provider adapter. Subclasses set `info` and `models` and implement the calls."""

    info: ProviderInfo
    models: Mapping[str, ModelInfo]
    poll_hint: PollHint = PollHint()
    family: Mapping[Kind, Family] = {Kind.IMAGE: Family.PUBLIC_IMAGE,
                                     Kind.VIDEO: Family.PUBLIC_VIDEO}

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
        """Why this provider is switched off by settings (e.g. a compliance gate), or None.

        `settings` is the studio settings as plain JSON data."""
        return None

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
