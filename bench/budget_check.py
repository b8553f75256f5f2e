"""What the spend guard costs a live submit: the budget check and reservation (one BEGIN
IMMEDIATE transaction that sums the month's live jobs), and the status-bar figures, with
0 to 20,000 live jobs already in the month. No network: jobs are written to the store and
checked with `SpendGuard.admit`, exactly as `Studio.submit` does before it queues one.
Target: the check stays under 50 ms (p95) with 10,000 jobs in the month.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.common import median, pct, temp_home
from studio.core.config import set_value
from studio.core.jobs import Job, JobStatus, new_job_id
from studio.core.paths import StudioPaths
from studio.core.service import Studio

ESTIMATE = {"usd": 0.025, "approximate": True, "basis": "bench"}


def _fill(studio: Studio, n: int) -> None:
    """n accepted live jobs this month (a mix of providers, some with an actual cost)."""
    now = time.time()
    rows = []
    for i in range(n):
        provider = ("fal", "luma", "runway", "stability")[i % 4]
        rows.append(Job(id=new_job_id(), provider=provider, model="m", mode="txt2img",
                        prompt="bench", request={"provider": provider, "model": "m"},
                        status=JobStatus.SUCCEEDED, dry_run=False, created_at=now - i,
                        estimate=ESTIMATE, submitted_at=now - i,
                        actual_cost={"usd": 0.02} if i % 3 == 0 else None,
                        remote={"remote_id": f"r{i}"}))
    from studio.core.store_rows import JOB_FIELDS, JSON_JOB, cols, to_row

    with studio.store.transaction() as db:
        db.executemany(f"INSERT INTO jobs ({cols(JOB_FIELDS)}) VALUES "
                       f"({', '.join('?' * len(JOB_FIELDS))})",
                       [to_row(j, JOB_FIELDS, JSON_JOB) for j in rows])


def measure(home: Path, n: int, rounds: int) -> tuple[list[float], list[float]]:
    studio = Studio(StudioPaths.resolve(home), env={})
    try:
        s = set_value(studio.settings, "budgets.overall.daily_usd", "1000000")
        studio.update_settings(set_value(s, "budgets.providers", '{"fal": {"monthly_usd": '
                                                                 '1000000}}'))
        _fill(studio, n)
        checks, status = [], []
        for _ in range(rounds):
            job = Job(id=new_job_id(), provider="fal", model="m", mode="txt2img",
                      prompt="bench", request={}, dry_run=False)
            t = time.perf_counter()
            written = studio.budget.admit(job, dict(ESTIMATE))
            checks.append(time.perf_counter() - t)
            assert written.status is JobStatus.DRAFT
            studio.store.update_job(job.id, status=JobStatus.FAILED)  # never sent
            t = time.perf_counter()
            studio.budget.status()
            status.append(time.perf_counter() - t)
        return checks, status
    finally:
        studio.store.close()


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m bench budget_check")
    p.add_argument("--rounds", type=int, default=40)
    args = p.parse_args(argv)
    print("budget_check: admit = check + reserve in one transaction; status = status bar")
    print(f"{'jobs this month':>16} {'admit p50':>10} {'admit p95':>10} {'status p50':>11}")
    for n in (0, 1_000, 10_000, 20_000):
        with temp_home() as tmp:
            checks, status = measure(Path(tmp) / "home", n, args.rounds)
        print(f"{n:>16,} {median(checks) * 1e3:>8.1f}ms {pct(checks, 0.95) * 1e3:>8.1f}ms "
              f"{median(status) * 1e3:>9.1f}ms")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
