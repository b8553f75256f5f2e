"""One owner per job: leases are taken atomically, renewed, expire, and are taken over
when their holder is gone; a write under a lost lease is refused."""

import subprocess
import sys

import pytest

from studio.core.jobs import Job, JobStatus, new_job_id
from studio.core.leases import Leases, new_owner_id
from studio.core.store import Store
from studio.core.store_errors import LeaseLost


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "studio.db")
    yield s
    s.close()


def _job(store) -> str:
    job = store.create_job(Job(id=new_job_id(), provider="fal", model="m", mode="txt2img",
                               prompt="x", request={}))
    return job.id


def test_a_live_lease_keeps_other_owners_out(store):
    clock = Clock()
    a, b = (Leases(store, new_owner_id(), seconds=30, clock=clock) for _ in range(2))
    job = _job(store)
    assert a.take(job) and a.take(job)  # taking again is fine for the holder
    assert not b.take(job)
    assert b.held_elsewhere(job).owner == a.owner
    clock.now += 20
    assert a.renew() == {job}
    clock.now += 20  # 40 s after taking, 20 s after the heartbeat: still live
    assert not b.take(job)
    a.release(job)
    assert b.take(job)


def test_an_expired_lease_can_be_taken_over(store):
    clock = Clock()
    a, b = (Leases(store, new_owner_id(), seconds=30, clock=clock) for _ in range(2))
    job = _job(store)
    a.take(job)
    clock.now += 31  # no heartbeat: the holder stalled or died elsewhere
    assert b.take(job)
    assert a.renew() == set()  # the old holder finds out at its next heartbeat


def test_a_lease_of_a_dead_process_on_this_machine_is_taken_at_once(store):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    owner = new_owner_id().split(":")
    owner[1] = dead.stdout.strip()
    a = Leases(store, ":".join(owner))
    b = Leases(store, new_owner_id())
    job = _job(store)
    a.take(job)
    assert b.take(job)


def test_a_write_under_a_lost_lease_is_refused(store):
    clock = Clock()
    a, b = (Leases(store, new_owner_id(), seconds=30, clock=clock) for _ in range(2))
    job = _job(store)
    a.take(job)
    store.update_job(job, lease_owner=a.owner, status=JobStatus.QUEUED)
    clock.now += 60
    b.take(job)
    with pytest.raises(LeaseLost):
        store.update_job(job, lease_owner=a.owner, status=JobStatus.SUBMITTING)
    assert store.get_job(job).status is JobStatus.QUEUED
    store.update_job(job, lease_owner=b.owner, status=JobStatus.SUBMITTING)
