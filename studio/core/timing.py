"""How long a job took, measured from the moment its request started going out.

`submitted_at` is stamped when the provider has answered the submit with an id; for a
provider that answers synchronously (Stability) that answer is the finished picture, so
`finished_at - submitted_at` reads about 0 s. The store's status events record when the
job entered `submitting`, which is when the request started; they are rows of the
database, so the figure survives a restart. Everything that shows a latency (Inspector,
Compare cells, the scoreboard, provenance sidecars, ETAs) reads it from here.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from studio.core.jobs import Job, JobStatus
from studio.core.store import Store

_SENDING = ("SELECT MIN(e.at) FROM events e WHERE e.job_id = {job} AND e.kind = 'status' "
            "AND json_extract(e.data, '$.to') = 'submitting'")


def sending_started_at(store: Store, job_id: str) -> float | None:
    """When the job's request started going out (None if it never did)."""
    return store.sent_at(job_id)


def sent_times(store: Store, job_ids: Iterable[str]) -> dict[str, float]:
    """When each job's request started going out (jobs never sent are left out)."""
    ids = list(dict.fromkeys(job_ids))
    out: dict[str, float] = {}
    for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
        chunk = ids[start:start + 500]
        rows = store.query(
            "SELECT e.job_id, MIN(e.at) FROM events e WHERE e.kind = 'status' AND "
            f"json_extract(e.data, '$.to') = 'submitting' AND e.job_id IN "
            f"({','.join('?' * len(chunk))}) GROUP BY e.job_id", tuple(chunk))
        out.update({r[0]: float(r[1]) for r in rows if r[1] is not None})
    return out


def latency_from(job: Job | None, sent_at: float | None) -> float | None:
    """Request start (`sent_at`, else the submit answer, else creation) to finish of a job
    that succeeded."""
    if job is None or job.status is not JobStatus.SUCCEEDED or not job.finished_at:
        return None
    return max(0.0, job.finished_at - (sent_at or job.submitted_at or job.created_at))


def latency_seconds(store: Store, job: Job | None) -> float | None:
    """Request start to finish of a job that succeeded."""
    if job is None:
        return None
    return latency_from(job, sending_started_at(store, job.id))


def typical_seconds(store: Store, provider: str, model: str, limit: int = 20) -> float | None:
    """The median request-start-to-finish time of a model's newest successful jobs."""
    rows = store.query(
        f"SELECT j.finished_at - COALESCE(({_SENDING.format(job='j.id')}), j.submitted_at, "
        "j.created_at) FROM jobs j WHERE j.provider = ? AND j.model = ? AND "
        "j.status = 'succeeded' AND j.finished_at IS NOT NULL ORDER BY j.created_at DESC "
        "LIMIT ?", (provider, model, limit))
    runs = [max(0.0, float(r[0])) for r in rows if r[0] is not None]
    return statistics.median(runs) if len(runs) >= 2 else None
