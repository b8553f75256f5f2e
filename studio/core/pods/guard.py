"""The money guard: a pod whose ComfyUI no job has used for N minutes is stopped, with a
warning first. Pure bookkeeping on a clock that tests can move; PodsService acts on it.

Every stop follows a warning. A pod found already past the limit (the studio was closed
or the machine asleep while it ran: `watch(idle_seconds=...)` counts that time) is warned
about at once and stopped `warn_minutes` later unless it is used meanwhile."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Watch:
    last_used: float
    active_jobs: set[str] = field(default_factory=set)
    stop_at: float | None = None  # set by the warning: when the stop comes, unless used


@dataclass(frozen=True)
class IdleVerdict:
    pod_id: str
    idle_seconds: float
    stop: bool  # False: a warning (stop comes in `left_seconds`)
    left_seconds: float


class IdleGuard:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.watches: dict[str, Watch] = {}

    def watch(self, pod_id: str, idle_seconds: float = 0.0) -> None:
        """Watch a pod that has had no job for `idle_seconds` (0: it was just used)."""
        self.watches.setdefault(pod_id, Watch(self.clock() - max(0.0, idle_seconds)))

    def forget(self, pod_id: str) -> None:
        self.watches.pop(pod_id, None)

    def job_seen(self, pod_id: str, job_id: str, finished: bool) -> None:
        """A job on the pod's server was created, moved or finished: the pod is in use."""
        watch = self.watches.get(pod_id)
        if watch is None:
            return
        watch.last_used, watch.stop_at = self.clock(), None
        if finished:
            watch.active_jobs.discard(job_id)
        else:
            watch.active_jobs.add(job_id)

    def verdicts(self, idle_minutes: float, warn_minutes: float) -> list[IdleVerdict]:
        """Pods to warn about (once per idle spell) and pods to stop now (each warned about
        first, `warn_minutes` before at the latest)."""
        now, limit, notice = self.clock(), idle_minutes * 60, max(0.0, warn_minutes * 60)
        warn_at = max(0.0, limit - notice)
        out = []
        for pod_id, watch in self.watches.items():
            if watch.active_jobs:
                continue
            idle = now - watch.last_used
            if watch.stop_at is not None:
                if now >= watch.stop_at:
                    out.append(IdleVerdict(pod_id, idle, True, 0.0))
            elif idle >= warn_at:
                left = limit - idle if idle < limit else notice  # past it already: full notice
                watch.stop_at = now + left
                out.append(IdleVerdict(pod_id, idle, False, left))
        return out
