"""The in-memory job table. A job's state is derived from the clock each time it is asked."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .files import FileStore, StoredFile
from .render import content_type_for, render_image, render_mp4


class Phase(StrEnum):
    QUEUED = "queued"
    THROTTLED = "throttled"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED)


@dataclass(frozen=True)
class Failure:
    """Why a job ends badly: a provider error code plus a message a person can read."""

    code: str
    message: str


@dataclass(frozen=True)
class OutputSpec:
    """One file a job produces when it succeeds."""

    name: str
    prompt: str
    seed: int
    width: int
    height: int
    fmt: str  # png, jpeg, webp or mp4
    seconds: float = 0.0
    fps: int = 12
    blurred: bool = False
    # Image to video: the clip starts on this image (and ends on end_image when given).
    start_image: bytes | None = field(default=None, repr=False)
    end_image: bytes | None = field(default=None, repr=False)
    audio: bool = False

    @property
    def content_type(self) -> str:
        return content_type_for(self.fmt)

    @property
    def is_video(self) -> bool:
        return self.fmt == "mp4"

    def produce(self) -> bytes:
        if self.is_video:
            size = (self.width, self.height)
            return render_mp4(self.prompt, self.seed, *size, self.seconds, self.fps,
                              start_image=self.start_image, end_image=self.end_image,
                              audio=self.audio)
        return render_image(
            self.prompt, self.seed, self.width, self.height, self.fmt, blurred=self.blurred
        )


@dataclass(frozen=True)
class LogLine:
    message: str
    at: float  # sandbox clock seconds
    level: str = "INFO"


@dataclass
class Job:
    provider: str
    route: str  # the fal endpoint id or the Runway model
    created_at: float
    queue_seconds: float
    run_seconds: float
    throttle_seconds: float = 0.0
    failure: Failure | None = None
    outputs: tuple[OutputSpec, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    log_steps: int = 8
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    cancelled_at: float | None = None
    charged: bool = False
    seq: int = 0

    @property
    def run_starts_at(self) -> float:
        return self.created_at + self.queue_seconds + self.throttle_seconds

    @property
    def finishes_at(self) -> float:
        return self.run_starts_at + self.run_seconds

    def phase(self, now: float) -> Phase:
        if self.cancelled_at is not None:
            return Phase.CANCELLED
        if now >= self.finishes_at:
            return Phase.FAILED if self.failure else Phase.SUCCEEDED
        if now >= self.run_starts_at:
            return Phase.RUNNING
        if now >= self.created_at + self.queue_seconds:
            return Phase.THROTTLED
        return Phase.QUEUED

    def progress(self, now: float) -> float:
        if self.run_seconds <= 0:
            return 1.0 if now >= self.run_starts_at else 0.0
        return min(1.0, max(0.0, (now - self.run_starts_at) / self.run_seconds))

    def logs(self, now: float) -> list[LogLine]:
        """The log lines written so far; a cancelled job stops logging when it was cancelled."""
        until = now if self.cancelled_at is None else min(now, self.cancelled_at)
        steps = max(1, self.log_steps)
        lines = [LogLine(f"Sandbox worker picked up {self.route}", self.run_starts_at)]
        for step in range(1, steps + 1):
            at = self.run_starts_at + self.run_seconds * step / (steps + 1)
            lines.append(LogLine(f"Step {step}/{steps}", at))
        if self.failure:
            lines.append(LogLine(f"Error: {self.failure.message}", self.finishes_at, "ERROR"))
        else:
            lines.append(LogLine(f"Finished in {self.run_seconds:.2f}s", self.finishes_at))
        return [line for line in lines if line.at <= until]

    def cancel(self, now: float, *, even_if_finished: bool = False) -> bool:
        """Cancel the job; a finished job is only marked when even_if_finished (Runway delete)."""
        phase = self.phase(now)
        if phase is Phase.CANCELLED or (phase.finished and not even_if_finished):
            return False
        self.cancelled_at = now
        return True

    def register_outputs(self, files: FileStore) -> list[StoredFile]:
        return [files.register(o.name, o.content_type, o.produce, self.provider)
                for o in self.outputs]


class JobTable:
    """All jobs of one sandbox, across providers, in submission order."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._seq = itertools.count()

    def add(self, job: Job) -> Job:
        job.seq = next(self._seq)
        self._jobs[job.id] = job
        return job

    def get(self, job_id: str, provider: str | None = None) -> Job | None:
        job = self._jobs.get(job_id)
        if job is None or (provider is not None and job.provider != provider):
            return None
        return job

    def all(self, provider: str | None = None) -> list[Job]:
        return [j for j in self._jobs.values() if provider is None or j.provider == provider]

    def queue_position(self, job: Job, now: float) -> int:
        """How many earlier jobs of the same provider are still waiting in the queue."""
        return sum(
            1
            for other in self._jobs.values()
            if other.provider == job.provider
            and other.seq < job.seq
            and other.phase(now) in (Phase.QUEUED, Phase.THROTTLED)
        )

    def clear(self) -> None:
        self._jobs.clear()

    def __len__(self) -> int:
        return len(self._jobs)
