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
    # The outcome is not known. Without a remote id the submit may have reached the
    # provider: never resubmitted automatically, never reported as done. With one (status
    # checks failed for too long) `resume` or "Check again" asks the provider later.
    UNKNOWN = "unknown"
    # A spend budget would have been crossed: written with the reason, nothing was sent.
    REFUSED = "refused"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL

    @property
    def active(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.SUBMITTING, JobStatus.SUBMITTED,
                        JobStatus.RUNNING)


TERMINAL = frozenset({JobStatus.DRY_RUN, JobStatus.SUCCEEDED, JobStatus.FAILED,
                      JobStatus.CANCELLED, JobStatus.UNKNOWN, JobStatus.REFUSED})

# The state machine. Besides the happy path (draft -> queued -> submitting -> submitted ->
# running -> succeeded) and draft -> refused (a spend budget said no; core.spend_guard
# writes such a job refused at once), it knows three kinds of trouble:
# - submitting -> queued: the provider answered "not accepted" (429/503) and the job waits
#   to be sent again; a kill during that wait must not leave it looking half-sent.
# - submitted/running -> unknown: status checks failed past the job's deadline; the remote
#   id is kept (`recoverable`), so `resume` or "Check again" can fetch the result later.
# - unknown/failed -> submitted/running: checking again with the provider. Only a job with
#   a remote id may do this (check_transition enforces it): one that never reached the
#   provider stays where it is and is retried as a new job instead.
ALLOWED: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.DRAFT: frozenset({JobStatus.DRY_RUN, JobStatus.QUEUED, JobStatus.FAILED,
                                JobStatus.REFUSED}),
    JobStatus.QUEUED: frozenset({JobStatus.SUBMITTING, JobStatus.CANCELLED, JobStatus.FAILED}),
    JobStatus.SUBMITTING: frozenset({JobStatus.SUBMITTED, JobStatus.SUCCEEDED, JobStatus.FAILED,
                                     JobStatus.UNKNOWN, JobStatus.CANCELLED, JobStatus.QUEUED}),
    JobStatus.SUBMITTED: frozenset({JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED,
                                    JobStatus.CANCELLED, JobStatus.UNKNOWN}),
    JobStatus.RUNNING: frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED,
                                  JobStatus.UNKNOWN}),
    JobStatus.UNKNOWN: frozenset({JobStatus.SUBMITTED, JobStatus.RUNNING, JobStatus.CANCELLED}),
    JobStatus.FAILED: frozenset({JobStatus.SUBMITTED, JobStatus.RUNNING}),
}
# Leaving these states means asking the provider again: it needs the remote id.
_RECHECK_FROM = frozenset({JobStatus.UNKNOWN, JobStatus.FAILED})


class InvalidTransition(RuntimeError):
    pass


class NotRecoverable(ValueError):
    """The job cannot be checked again: it never reached the provider, or is finished."""


class JobBusy(RuntimeError):
    """Another process (or task) drives this job right now; it was left alone."""


def check_transition(old: JobStatus, new: JobStatus, *, remote_id: str | None = None) -> None:
    if old == new:
        return
    if new not in ALLOWED.get(old, frozenset()):
        raise InvalidTransition(f"a job cannot go from {old.value} to {new.value}")
    if old in _RECHECK_FROM and not remote_id:
        raise InvalidTransition(f"a job without a remote id cannot go from {old.value} to "
                                f"{new.value}: it never reached the provider")


def new_job_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass
class Job:
    """A render job as the store keeps it: the request, its state, cost and times."""
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
    # The provider may still hold this finished-unsuccessfully job's outputs: `resume`
    # checks with it again (a poll outage, a failed download, a wait beyond the cap).
    recoverable: bool = False

    @property
    def remote_id(self) -> str | None:
        return self.remote.get("remote_id") if self.remote else None


@dataclass
class Asset:
    """An output file of a job, with its hash, size and media facts."""
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
