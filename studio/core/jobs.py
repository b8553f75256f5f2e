"""The job: one request to one provider/model, and the states it moves through."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    DRAFT = "draft"
    DRY_RUN = "dry_run"
    QUEUED = "queued"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    # The submit may have reached the provider but no remote id was recorded: never
    # resubmitted automatically, never reported as done.
    UNKNOWN = "unknown"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL

    @property
    def active(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.SUBMITTING, JobStatus.SUBMITTED,
                        JobStatus.RUNNING)


TERMINAL = frozenset({JobStatus.DRY_RUN, JobStatus.SUCCEEDED, JobStatus.FAILED,
                      JobStatus.CANCELLED, JobStatus.UNKNOWN})

ALLOWED: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.DRAFT: frozenset({JobStatus.DRY_RUN, JobStatus.QUEUED, JobStatus.FAILED}),
    JobStatus.QUEUED: frozenset({JobStatus.SUBMITTING, JobStatus.CANCELLED, JobStatus.FAILED}),
    JobStatus.SUBMITTING: frozenset({JobStatus.SUBMITTED, JobStatus.SUCCEEDED, JobStatus.FAILED,
                                     JobStatus.UNKNOWN, JobStatus.CANCELLED}),
    JobStatus.SUBMITTED: frozenset({JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED,
                                    JobStatus.CANCELLED}),
    JobStatus.RUNNING: frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}),
}


class InvalidTransition(RuntimeError):
    pass


def check_transition(old: JobStatus, new: JobStatus) -> None:
    if old == new:
        return
    if new not in ALLOWED.get(old, frozenset()):
        raise InvalidTransition(f"a job cannot go from {old.value} to {new.value}")


def new_job_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass
class Job:
    id: str
    provider: str
    model: str
    mode: str
    prompt: str
    request: dict[str, Any]
    status: JobStatus = JobStatus.DRAFT
    created_at: float = 0.0
    updated_at: float = 0.0
    dry_run: bool = True
    dry_run_reason: str = ""
    sandbox: bool = False
    prepared: dict[str, Any] | None = None  # the HTTP request as sent, secrets masked
    estimate: dict[str, Any] | None = None
    actual_cost: dict[str, Any] | None = None
    remote: dict[str, Any] | None = None  # RemoteHandle JSON
    progress: float | None = None
    queue_position: int | None = None
    message: str | None = None
    error: str | None = None
    error_code: str | None = None
    retried_from: str | None = None
    compare_group: str | None = None
    submitted_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    seed: int | None = None
    input_hashes: list[str] = field(default_factory=list)

    @property
    def remote_id(self) -> str | None:
        return self.remote.get("remote_id") if self.remote else None


@dataclass
class Asset:
    id: str
    job_id: str
    path: str
    sha256: str
    media_type: str
    bytes: int
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    created_at: float = 0.0
    rating: int | None = None
    provenance: dict[str, Any] | None = None
    index: int = 0
