"""Every store write is one transaction that rolls back on error: one failure (a
constraint, a lock held by another process) never wedges the writes after it."""

import sqlite3

import pytest

from studio.core.jobs import Asset, Job, JobStatus, new_job_id
from studio.core.store import Store
from studio.core.store_errors import StoreBusy


def _job(**kw):
    return Job(id=kw.pop("id", None) or new_job_id(), provider="fal", model="fal-ai/flux/dev",
               mode="txt2img", prompt="a fox", request={"prompt": "a fox"}, **kw)


def _asset(job_id, asset_id="a1", index=0):
    return Asset(id=asset_id, job_id=job_id, path=f"/x/{index}.png", sha256="0" * 64,
                 media_type="image/png", bytes=1, index=index)


def test_a_constraint_error_rolls_back_and_later_writes_work(tmp_path):
    store = Store(tmp_path / "studio.db")
    job = store.create_job(_job())
    with pytest.raises(sqlite3.IntegrityError):
        store.create_job(_job(id=job.id))  # same id twice
    other = store.create_job(_job())  # used to fail: "cannot start a transaction within ..."
    store.update_job(other.id, status=JobStatus.QUEUED)
    assert store.count_jobs() == 2
    assert [e["kind"] for e in store.events(job.id)] == ["created"]  # no half-written event


def test_a_locked_database_is_a_typed_error_and_does_not_wedge_the_store(tmp_path):
    path = tmp_path / "studio.db"
    store = Store(path, busy_ms=100)
    job = store.create_job(_job())
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        with pytest.raises(StoreBusy, match="locked by another Provider Studio process"):
            store.update_job(job.id, status=JobStatus.QUEUED)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.get_job(job.id).status is JobStatus.DRAFT
    store.update_job(job.id, status=JobStatus.QUEUED)  # works again at once
    assert store.get_job(job.id).status is JobStatus.QUEUED


def test_outputs_and_the_succeeded_status_land_together_or_not_at_all(tmp_path):
    store = Store(tmp_path / "studio.db")
    job = store.create_job(_job())
    for status in (JobStatus.QUEUED, JobStatus.SUBMITTING):
        store.update_job(job.id, status=status)
    store.update_job(job.id, status=JobStatus.SUBMITTED, remote={"remote_id": "r"})
    store.add_asset(_asset(job.id, "taken"))
    with pytest.raises(sqlite3.IntegrityError):
        store.complete_job(job.id, [_asset(job.id, "fresh"), _asset(job.id, "taken", 1)],
                           lease_owner=None, status=JobStatus.SUCCEEDED)
    assert store.get_job(job.id).status is JobStatus.SUBMITTED
    assert [a.id for a in store.assets_for_job(job.id)] == ["taken"]
    seen = []
    store.subscribe(lambda e: seen.append(e.kind))
    store.complete_job(job.id, [_asset(job.id, "fresh", 1)], lease_owner=None,
                       status=JobStatus.SUCCEEDED)
    assert store.get_job(job.id).status is JobStatus.SUCCEEDED
    assert seen == ["asset_added", "status_changed"]  # published after the commit


def test_a_nested_transaction_is_a_savepoint(tmp_path):
    store = Store(tmp_path / "studio.db")
    job = store.create_job(_job())
    with store.transaction():
        store.update_job(job.id, status=JobStatus.QUEUED)
        with pytest.raises(sqlite3.IntegrityError), store.transaction():
            store.create_job(_job(id=job.id))
    assert store.get_job(job.id).status is JobStatus.QUEUED
    assert store.count_jobs() == 1
