"""Everything one sandbox instance remembers, shared by all routes."""

from __future__ import annotations

from dataclasses import dataclass, field

from .clock import SandboxClock
from .config import SandboxConfig
from .faults import FaultState, Timing
from .files import FileStore
from .jobs import JobTable
from .ledger import CreditLedger
from .recorder import RequestRecorder


@dataclass
class SandboxState:
    config: SandboxConfig
    clock: SandboxClock = field(init=False)
    jobs: JobTable = field(default_factory=JobTable)
    files: FileStore = field(default_factory=FileStore)
    faults: FaultState = field(default_factory=FaultState)
    recorder: RequestRecorder = field(default_factory=RequestRecorder)
    ledger: CreditLedger = field(init=False)

    def __post_init__(self) -> None:
        self.clock = SandboxClock(self.config.frozen_clock)
        self.ledger = CreditLedger(self.config.runway_credits, self.config.stability_credits)

    def timing(self) -> Timing:
        return self.faults.timing(self.config.queue_seconds, self.config.run_seconds)

    def reset_credits(self) -> None:
        self.ledger.set(runway=self.config.runway_credits, stability=self.config.stability_credits)

    def reset(self) -> None:
        """Forget jobs, files, requests and faults; restore default credits and real time."""
        self.jobs.clear()
        self.files.clear()
        self.recorder.clear()
        self.faults.clear()
        self.reset_credits()
        if self.config.frozen_clock is None:
            self.clock.resume()
