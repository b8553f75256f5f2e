"""The contract of assistant calls: one chat completion, not an image or video job.

A render job is submit, poll and download; a chat call is one request and one answer. So
an assistant endpoint has its own small contract next to `Provider`, on the same
declaration (`ProviderInfo`: id, key, base URL, docs, sandbox mount) and the same rule:
`build()` is pure and makes the exact HTTP request (a `PreparedCall`), so a dry-run
records byte for byte what a live call would send. The studio applies the same policy
(its feature flag AND a key), redaction, request record and job log to it.

A module declares one by setting `ASSISTANT = TheChatProvider` (see providers/__init__).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import httpx

from studio.providers.base import PreparedCall, ProviderContext
from studio.providers.info import ProviderInfo

Role = Literal["system", "user", "assistant"]
_SCHEMA_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")


@dataclass(frozen=True)
class ChatImage:
    """An image a vision model reads: an https URL it fetches, or a `data:` URL."""

    url: str
    detail: Literal["auto", "low", "high"] = "auto"

    def __post_init__(self) -> None:
        if not self.url.startswith(("https://", "data:image/")):
            raise ValueError("a chat image is an https:// URL or a data:image/... URL")


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a chat with an assistant model (text, images)."""
    role: Role
    text: str
    images: tuple[ChatImage, ...] = ()


@dataclass(frozen=True)
class AnswerSchema:
    """A JSON schema the answer must follow (structured outputs)."""

    name: str
    schema: Mapping[str, Any]
    strict: bool = True

    def __post_init__(self) -> None:
        if not _SCHEMA_NAME.match(self.name):
            raise ValueError(f"schema name {self.name!r}: 1-64 of a-z, A-Z, 0-9, _ and -")


@dataclass(frozen=True)
class ChatRequest:
    """What is sent to an assistant model: its messages and the answer's schema."""
    model: str
    messages: tuple[ChatMessage, ...]
    schema: AnswerSchema | None = None
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass(frozen=True)
class ChatAnswer:
    """The first choice of a completion. `content` is None when the model refused (its
    words are in `refusal`)."""

    content: str | None
    refusal: str | None = None
    finish_reason: str | None = None
    model: str | None = None
    usage: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None  # the whole answer, for the raw-response record


class ChatProvider(ABC):
    """An assistant endpoint. `ctx.options["auth_scheme"]` names the Authorization scheme
    (Bearer unless the endpoint wants another, e.g. fal's `Key`)."""

    info: ClassVar[ProviderInfo]

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env: Mapping[str, str] = env if env is not None else {}

    @abstractmethod
    def build(self, request: ChatRequest, ctx: ProviderContext) -> PreparedCall:
        """Pure: the exact HTTP request of this chat call. No I/O."""

    @abstractmethod
    async def send(self, http: httpx.AsyncClient, call: PreparedCall,
                   ctx: ProviderContext) -> ChatAnswer:
        """Send the call; raises ProviderError with words a user can act on."""


__all__ = ["AnswerSchema", "ChatAnswer", "ChatImage", "ChatMessage", "ChatProvider",
           "ChatRequest", "Role"]
