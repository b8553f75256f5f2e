import pytest

from studio.core.jobs import Asset, InvalidTransition, Job, JobStatus, new_job_id
from studio.core.store import Store


def _job(**kw):
    return Job(id=new_job_id(), provider="fal", model="fal-ai/flux/dev", mode="txt2img",
               prompt=kw.pop("prompt", "a fox"), request={"prompt": "a fox"}, **kw)


def test_wal_and_persistence_across_reopen(tmp_path):
    path = tmp_path / "studio.db"
    s = Store(path)
    assert s._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    job = s.create_job(_job())
    s.update_job(job.id, status=JobStatus.QUEUED)
    s.update_job(job.id, status=JobStatus.SUBMITTING)
    s.update_job(job.id, status=JobStatus.SUBMITTED, remote={"remote_id": "r1", "urls": {}})
    s.close()
    again = Store(path).get_job(job.id)
    assert again.status is JobStatus.SUBMITTED and again.remote_id == "r1"


def test_transitions_are_checked():
    s = Store(":memory:")
    job = s.create_job(_job())
    with pytest.raises(InvalidTransition):
        s.update_job(job.id, status=JobStatus.SUCCEEDED)
    s.update_job(job.id, status=JobStatus.DRY_RUN)
    with pytest.raises(InvalidTransition):
        s.update_job(job.id, status=JobStatus.QUEUED)  # terminal stays terminal
    assert s.get_job(job.id).status is JobStatus.DRY_RUN


def test_events_are_published_and_recorded():
    s = Store(":memory:")
    seen = []
    unsubscribe = s.subscribe(lambda e: seen.append((e.kind, e.job.status if e.job else None)))
    job = s.create_job(_job())
    s.update_job(job.id, status=JobStatus.QUEUED)
    s.update_job(job.id, progress=0.5)
    unsubscribe()
    s.update_job(job.id, status=JobStatus.CANCELLED)
    assert [k for k, _ in seen] == ["job_created", "status_changed", "progress"]
    assert [e["kind"] for e in s.events(job.id)] == ["created", "status", "status"]


def test_a_failing_subscriber_does_not_break_the_store():
    s = Store(":memory:")
    s.subscribe(lambda e: 1 / 0)
    job = s.create_job(_job())
    assert s.get_job(job.id) is not None


def test_gallery_ids_filter_and_escape_like():
    s = Store(":memory:")
    a = s.create_job(_job(prompt="100% red_fox"))
    b = s.create_job(_job(prompt="blue whale"))
    for i, job in enumerate((a, b)):
        s.add_asset(Asset(id=f"as{i}", job_id=job.id, path=f"/x/{i}.png", sha256="0" * 64,
                          media_type="image/png", bytes=1, created_at=100 + i))
    assert s.asset_ids() == ["as1", "as0"]
    assert s.asset_ids(text="100%") == ["as0"]
    assert s.asset_ids(text="d_f") == ["as0"]
    assert s.asset_ids(text="%") == ["as0"]
    s.set_rating("as1", 5)
    assert s.asset_ids(min_rating=4) == ["as1"]
    with pytest.raises(ValueError):
        s.set_rating("as1", 9)
