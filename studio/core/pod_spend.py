"""What the RunPod pods last seen up cost: how many, per hour, and so far. Read from the
`pod_seen` rows the pods service writes each time it reads the pods (core.pods), so the
budget status (status bar, `studio-cli budget`) shows it in any process without a network
call. Pods bill by the hour on RunPod's side: this is shown beside the job budgets, which
limit jobs; the pods' own money guard is their idle timer (docs/pods.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

DOWN = ("EXITED", "TERMINATED")  # no compute held (providers.runpod_pods.DOWN)


class Queryable(Protocol):
    def query(self, sql: str, args: Iterable[Any] = ()) -> list[Any]: ...


@dataclass(frozen=True)
class PodSpend:
    """What the running pods cost, as last seen."""
    pods: int  # up when last seen (booting, running or in error)
    usd_per_hour: float
    usd_so_far: float  # what they had cost when last seen (RunPod's billing)
    seen_at: float | None  # the oldest of those readings (epoch s), None without pods

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "usd_per_hour": round(self.usd_per_hour, 6),
                "usd_so_far": round(self.usd_so_far, 6)}


def pod_spend(tables: Queryable) -> PodSpend:
    marks = ", ".join("?" * len(DOWN))
    rows = tables.query("SELECT COUNT(*) AS n, SUM(COALESCE(usd_per_hour, 0)) AS rate, "
                        "SUM(COALESCE(cost_so_far, 0)) AS so_far, MIN(seen_at) AS seen "
                        f"FROM pod_seen WHERE status NOT IN ({marks})", DOWN)
    row = rows[0] if rows else None
    if row is None or not row["n"]:
        return PodSpend(0, 0.0, 0.0, None)
    return PodSpend(int(row["n"]), float(row["rate"] or 0.0), float(row["so_far"] or 0.0),
                    row["seen"])
