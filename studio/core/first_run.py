"""What a first run should be told: which providers run live, which are dry-runs and why
(the decision reasons the catalog already holds), and whether anything has been made yet."""

from __future__ import annotations

from dataclasses import dataclass, field

from studio.core.catalog import ProviderEntry
from studio.core.store import Store

LIVE = frozenset({"live", "low-quota"})


@dataclass(frozen=True)
class Line:
    """One provider and kind: its status and the reason for it."""

    provider: str
    kind: str  # image, video
    status: str
    reason: str


@dataclass(frozen=True)
class FirstRun:
    """What the empty gallery explains: what is live, what is not, and why."""
    sandbox: bool
    live: list[Line] = field(default_factory=list)
    not_live: list[Line] = field(default_factory=list)
    jobs: int = 0
    dry_runs: int = 0
    outputs: int = 0
    last_dry_run_reason: str | None = None
    # In the sandbox (where everything runs live): what would not be live outside it.
    outside_not_live: list[Line] = field(default_factory=list)

    def reasons(self) -> dict[str, list[str]]:
        """Why providers are not live, each reason once, with who it applies to."""
        out: dict[str, list[str]] = {}
        for line in self.not_live:
            names = out.setdefault(line.reason, [])
            if line.provider not in names:
                names.append(line.provider)
        return out


def summarise(entries: list[ProviderEntry], store: Store, *, sandbox: bool) -> FirstRun:
    live: list[Line] = []
    not_live: list[Line] = []
    outside: list[Line] = []
    for entry in entries:
        seen: set[tuple[str, str]] = set()
        for model in entry.models:
            if model.outside_status is not None and model.outside_status not in LIVE and \
                    (model.kind, "outside") not in seen:
                seen.add((model.kind, "outside"))
                outside.append(Line(entry.name, model.kind, model.outside_status,
                                    model.outside_reason or ""))
            if (model.kind, model.status) in seen:
                continue
            seen.add((model.kind, model.status))
            line = Line(entry.name, model.kind, model.status, model.reason)
            (live if model.status in LIVE else not_live).append(line)
    counts = store.query("SELECT COUNT(*), SUM(status = 'dry_run') FROM jobs")[0]
    outputs = store.query("SELECT COUNT(*) FROM assets")[0][0]
    last = store.query("SELECT dry_run_reason FROM jobs WHERE status = 'dry_run' "
                       "ORDER BY created_at DESC LIMIT 1")
    return FirstRun(sandbox=sandbox, live=live, not_live=not_live, jobs=int(counts[0] or 0),
                    dry_runs=int(counts[1] or 0), outputs=int(outputs or 0),
                    last_dry_run_reason=last[0][0] if last else None,
                    outside_not_live=outside)
