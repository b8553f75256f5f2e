"""Budgets as settings, the local day and month, and the spend ledger's rules: what counts
as spent, what as reserved, and what costs nothing."""

import datetime
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from studio.core.budget import (
    Budget,
    BudgetSettings,
    budgets_of,
    first_crossing,
    period_starts,
)
from studio.core.config import load_settings, save_settings
from studio.core.jobs import Job, JobStatus, new_job_id
from studio.core.service import Studio
from studio.core.spend import DRAFT_HOLD_SECONDS
from studio.core.store import Store

OLD_RELEASE = Path(__file__).parent / "data" / "studio-0.1.0.db"


def _job(studio: Studio, status: JobStatus, *, usd: float | None = 0.5, provider="fal",
         model="fal-ai/flux/dev", remote: bool = False, submitted_at: float | None = None,
         created_at: float | None = None, actual: float | None = None,
         dry_run: bool = False) -> Job:
    """A job row as the runner would leave it (written straight to the store)."""
    job = Job(id=new_job_id(), provider=provider, model=model, mode="txt2img", prompt="x",
              request={"provider": provider, "model": model}, status=status,
              dry_run=dry_run, created_at=created_at or time.time(),
              estimate={"usd": usd, "approximate": True, "basis": "test"},
              actual_cost={"usd": actual} if actual is not None else None,
              remote={"remote_id": "r-1"} if remote else None, submitted_at=submitted_at)
    return studio.store.create_job(job)


def test_budgets_round_trip_through_the_settings_file(home):
    settings = load_settings(home.config_file).settings
    assert settings.budgets.confirm_above_usd == 2.0  # the default threshold
    assert budgets_of(settings.budgets) == []  # no budget until the artist sets one
    data = settings.model_dump()
    data["budgets"] = {"overall": {"monthly_usd": 200},
                       "providers": {"fal": {"daily_usd": 5, "monthly_usd": 50},
                                     "luma": {}}}
    home.ensure()
    save_settings(home.config_file, type(settings).model_validate(data))
    loaded = load_settings(home.config_file).settings.budgets
    assert budgets_of(loaded) == [Budget(None, "month", 200), Budget("fal", "day", 5),
                                  Budget("fal", "month", 50)]
    assert list(loaded.providers) == ["fal"]  # an empty entry is dropped, not kept as noise


@pytest.mark.parametrize("bad", [{"overall": {"daily_usd": -1}},
                                 {"providers": {"Not An Id": {"daily_usd": 1}}},
                                 {"confirm_above_usd": -2}, {"overall": {"weekly_usd": 3}}])
def test_a_bad_budget_is_a_clear_error(bad):
    with pytest.raises(ValidationError):
        BudgetSettings.model_validate(bad)


def test_day_and_month_are_local_calendar_periods():
    # 14:30 local time on 17 March: the day starts at local midnight, the month on the 1st.
    now = datetime.datetime(2026, 3, 17, 14, 30).timestamp()
    starts = period_starts(now)
    assert datetime.datetime.fromtimestamp(starts["day"]) == datetime.datetime(2026, 3, 17)
    assert datetime.datetime.fromtimestamp(starts["month"]) == datetime.datetime(2026, 3, 1)


def test_the_crossing_named_is_the_one_overshot_most():
    day, month = Budget("fal", "day", 1.0), Budget(None, "month", 10.0)
    used = {day: 0.9, month: 9.0}
    crossing = first_crossing({"fal": 1.5}, [day, month], used)
    assert crossing is not None and crossing.budget == day
    assert crossing.left_usd == pytest.approx(0.1) and crossing.adds_usd == 1.5
    assert first_crossing({"fal": 0.1}, [day, month], used) is None  # exactly fits
    assert first_crossing({"luma": 0.5}, [day], used) is None  # not fal's budget


def test_the_ledger_counts_accepted_and_reserved_jobs_and_nothing_else(home, memory_keyring):
    studio = Studio(home, env={})
    try:
        _job(studio, JobStatus.SUCCEEDED, usd=0.5, remote=True, submitted_at=time.time())
        _job(studio, JobStatus.FAILED, usd=0.4, remote=True, submitted_at=time.time())
        _job(studio, JobStatus.SUCCEEDED, usd=0.5, remote=True, submitted_at=time.time(),
             actual=0.2)  # the provider's own figure wins over the estimate
        _job(studio, JobStatus.UNKNOWN, usd=0.3)  # may have reached the provider
        _job(studio, JobStatus.QUEUED, usd=0.25)  # on its way: reserved
        _job(studio, JobStatus.DRAFT, usd=0.125)  # being checked and sent right now
        # Nothing: a failed submit, a refusal, a dry-run, a draft whose process died.
        _job(studio, JobStatus.FAILED, usd=9)
        _job(studio, JobStatus.REFUSED, usd=9)
        _job(studio, JobStatus.DRY_RUN, usd=9, dry_run=True)
        stale = _job(studio, JobStatus.DRAFT, usd=9)
        studio.store.query("UPDATE jobs SET updated_at = ? WHERE id = ?",
                           (time.time() - DRAFT_HOLD_SECONDS - 1, stale.id))
        status = studio.budget.status()
        today = status.overall["day"]
        assert today.spent_usd == pytest.approx(0.5 + 0.4 + 0.2 + 0.3)
        assert today.pending_usd == pytest.approx(0.25 + 0.125)
        assert status.providers["fal"]["day"].spent_usd == pytest.approx(1.4)
    finally:
        studio.store.close()


def test_yesterday_counts_for_the_month_not_for_today(home, memory_keyring):
    studio = Studio(home, env={})
    now = datetime.datetime(2026, 3, 17, 9, 0).timestamp()
    yesterday = datetime.datetime(2026, 3, 16, 23, 50).timestamp()
    last_month = datetime.datetime(2026, 2, 28, 12, 0).timestamp()
    try:
        _job(studio, JobStatus.SUCCEEDED, usd=1.0, remote=True, submitted_at=yesterday,
             created_at=yesterday)
        _job(studio, JobStatus.SUCCEEDED, usd=2.0, remote=True, submitted_at=last_month,
             created_at=last_month)
        # Created before midnight, accepted after it: it counts on the day it was accepted.
        _job(studio, JobStatus.SUCCEEDED, usd=0.5, remote=True, submitted_at=now - 60,
             created_at=yesterday)
        status = studio.budget.status(now)
        assert status.overall["day"].spent_usd == pytest.approx(0.5)
        assert status.overall["month"].spent_usd == pytest.approx(1.5)
        data = status.as_dict()
        assert data["today"] == "2026-03-17" and data["this_month"] == "2026-03"
        assert data["time_zone"].startswith("local time")
    finally:
        studio.store.close()


def test_a_job_without_a_price_counts_at_its_models_highest_price_seen(home, memory_keyring):
    studio = Studio(home, env={})
    try:
        _job(studio, JobStatus.SUCCEEDED, provider="runpod", model="raw/image", usd=None,
             remote=True, submitted_at=time.time(), actual=0.75)
        _job(studio, JobStatus.SUCCEEDED, provider="runpod", model="raw/image", usd=None,
             remote=True, submitted_at=time.time())
        assert studio.budget.ledger.highest_price("runpod", "raw/image") == 0.75
        assert studio.budget.status().overall["day"].spent_usd == pytest.approx(1.5)
        assert studio.budget.ledger.highest_price("runpod", "other") is None
    finally:
        studio.store.close()


def test_pika_is_paid_from_fals_account(home, memory_keyring):
    studio = Studio(home, env={})
    try:
        assert studio.budget.billing("pika") == "fal"
        _job(studio, JobStatus.SUCCEEDED, provider="pika", model="fal-ai/pika/v2.2/"
             "text-to-video", usd=0.2, remote=True, submitted_at=time.time())
        status = studio.budget.status()
        assert list(status.providers) == ["fal"]
        assert status.providers["fal"]["day"].spent_usd == pytest.approx(0.2)
    finally:
        studio.store.close()


def test_an_older_database_gains_the_refused_status_and_budget_holds(tmp_path):
    path = tmp_path / "studio.db"
    shutil.copyfile(OLD_RELEASE, path)
    store = Store(path)
    try:
        job = Job(id=new_job_id(), provider="fal", model="m", mode="txt2img", prompt="x",
                  request={}, status=JobStatus.REFUSED, dry_run=False)
        store.create_job(job)
        assert store.get_job(job.id).status is JobStatus.REFUSED
        assert store.query("SELECT COUNT(*) FROM budget_holds")[0][0] == 0
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        indexes = {r[1] for r in db.execute("PRAGMA index_list(jobs)")}
        assert "jobs_submitted" in indexes  # spend is summed by submit time
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 3
