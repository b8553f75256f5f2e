"""The money guard: a pod whose ComfyUI no job has used for N minutes is stopped, with a
warning first. Pure bookkeeping on a clock that tests can move; PodsService acts on it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Watch:
    last_used: float
    active_jobs: set[str] = field(default_factory=set)
    warned: bool = False


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

    def watch(self, pod_id: str) -> None:
        self.watches.setdefault(pod_id, Watch(self.clock()))

    def forget(self, pod_id: str) -> None:
        self.watches.pop(pod_id, None)

    def job_seen(self, pod_id: str, job_id: str, finished: bool) -> None:
        """A job on the pod's server was created, moved or finished: the pod is in use."""
        watch = self.watches.get(pod_id)
        if watch is None:
            return
        watch.last_used, watch.warned = self.clock(), False
        if finished:
            watch.active_jobs.discard(job_id)
        else:
            watch.active_jobs.add(job_id)

    def verdicts(self, idle_minutes: float, warn_minutes: float) -> list[IdleVerdict]:
        """Pods to warn about (once per idle spell) and pods to stop now."""
        now, limit = self.clock(), idle_minutes * 60
        warn_at = max(0.0, limit - warn_minutes * 60)
        out = []
        for pod_id, watch in self.watches.items():
            if watch.active_jobs:
                continue
            idle = now - watch.last_used
            if idle >= limit:
                out.append(IdleVerdict(pod_id, idle, True, 0.0))
            elif idle >= warn_at and not watch.warned:
                watch.warned = True
                out.append(IdleVerdict(pod_id, idle, False, limit - idle))
        return out
