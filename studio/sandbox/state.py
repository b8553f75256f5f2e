"""Everything one sandbox instance remembers, shared by all routes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Protocol

from .clock import SandboxClock
from .config import SandboxConfig
from .faults import FaultState, Timing, sandbox_providers
from .files import FileStore
from .jobs import JobTable
from .ledger import CreditLedger
from .recorder import DownloadLog, RequestRecorder


class Extension(Protocol):
    """A protocol's own state outside the shared tables (ComfyUI's queue, a quota)."""

    def reset(self) -> None: ...

    def reset_credits(self) -> None: ...


@dataclass
class SandboxState:
    config: SandboxConfig
    clock: SandboxClock = field(init=False)
    jobs: JobTable = field(default_factory=JobTable)
    files: FileStore = field(default_factory=FileStore)
    faults: FaultState = field(init=False)
    recorder: RequestRecorder = field(default_factory=RequestRecorder)
    downloads: DownloadLog = field(default_factory=DownloadLog)
    ledger: CreditLedger = field(init=False)
    extensions: dict[str, Extension] = field(default_factory=dict)
    jitter: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.clock = SandboxClock(self.config.frozen_clock)
        served = sandbox_providers(self.config.provider_modules)
        self.faults = FaultState(info.id for info in served)
        self.ledger = CreditLedger(
            self.config.runway_credits, self.config.stability_credits, self.config.luma_credits
        )
        self.jitter = random.Random(self.config.jitter_seed)

    def timing(self) -> Timing:
        """Timings for one new job, its run time varied by the run_jitter factor."""
        config = self.config
        timing = self.faults.timing(config.queue_seconds, config.run_seconds, config.run_jitter)
        if timing.run_jitter:
            j = timing.run_jitter
            timing.run_seconds *= self.jitter.uniform(1 - j, 1 + j)
        return timing

    def reset_credits(self) -> None:
        self.ledger.set(
            runway=self.config.runway_credits,
            stability=self.config.stability_credits,
            luma=self.config.luma_credits,
        )
        for extension in self.extensions.values():
            extension.reset_credits()

    def reset(self) -> None:
        """Forget jobs, files, requests and faults; restore default credits and real time."""
        self.jobs.clear()
        self.files.clear()
        self.recorder.clear()
        self.downloads.clear()
        self.faults.clear()
        for extension in self.extensions.values():
            extension.reset()
        self.reset_credits()
        self.jitter.seed(self.config.jitter_seed)
        if self.config.frozen_clock is None:
            self.clock.resume()
