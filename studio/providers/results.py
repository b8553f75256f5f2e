"""What a provider's calls return: handles, poll results, outputs, quotas, health."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from studio.providers.pricing import Price


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
    """A poll's answer while the job waits or runs."""
    state: Literal["queued", "running"]
    progress: float | None = None
    queue_position: int | None = None
    message: str | None = None
    raw: Any = None


@dataclass(frozen=True)
class Succeeded:
    """A poll's answer when the job is done: its outputs, seed and actual price."""
    outputs: Sequence[RemoteOutput]
    seed: int | None = None
    actual: Price | None = None
    raw: Any = None
    message: str | None = None


@dataclass(frozen=True)
class Failed:
    """A poll's answer when the job failed, and whether trying again may help."""
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
    """What is left of an account's credits, dollars or generations."""
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
