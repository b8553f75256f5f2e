"""Store events: each kind carries its own payload, and the store's events say which."""

import pytest

from studio.core.events import EventKind, StoreEvent
from studio.core.jobs import Asset, Job, JobStatus, new_job_id
from studio.core.store import Store


def _job() -> Job:
    return Job(id=new_job_id(), provider="fal", model="fal-ai/flux/dev", mode="txt2img",
               prompt="a fox", request={"prompt": "a fox"})


def test_subscribers_get_each_kind_with_its_payload():
    store = Store(":memory:")
    seen: list[StoreEvent] = []
    store.subscribe(seen.append)
    job = store.create_job(_job())
    store.update_job(job.id, status=JobStatus.QUEUED)
    store.update_job(job.id, message="waiting for a slot")
    asset = store.add_asset(Asset(id="a1", job_id=job.id, path="/x.png", sha256="0" * 64,
                                  media_type="image/png", bytes=3))
    store.set_rating(asset.id, 4)
    assert [e.kind for e in seen] == [EventKind.JOB_CREATED, EventKind.STATUS_CHANGED,
                                      EventKind.PROGRESS, EventKind.ASSET_ADDED,
                                      EventKind.ASSET_RATED]
    assert all(e.job is not None and e.job.id == job.id for e in seen[:3])
    assert seen[1].job is not None and seen[1].job.status is JobStatus.QUEUED
    assert seen[4].asset is not None and seen[4].asset.rating == 4
    assert {e.job_id for e in seen} == {job.id}


def test_kinds_keep_their_names_for_scripts_and_logs():
    assert EventKind("status_changed") is EventKind.STATUS_CHANGED
    assert EventKind.COMPARE_CHANGED == "compare_changed"


@pytest.mark.parametrize("make", [
    lambda: StoreEvent(EventKind.STATUS_CHANGED, "j1"),
    lambda: StoreEvent(EventKind.ASSET_RATED, "j1"),
    lambda: StoreEvent(EventKind.COMPARE_CHANGED, "j1"),
    lambda: StoreEvent(EventKind.VOTE_CAST, "", group="g1"),
    lambda: StoreEvent(EventKind.LIBRARY_CHANGED, ""),
    lambda: StoreEvent("no_such_kind", "j1"),  # type: ignore[arg-type]
])
def test_an_event_without_its_payload_is_refused(make):
    with pytest.raises(ValueError):
        make()


def test_group_events_name_their_group():
    event = StoreEvent.compare_changed("g1", "j1")
    assert (event.kind, event.group, event.job_id) == (EventKind.COMPARE_CHANGED, "g1", "j1")
    vote = StoreEvent.vote_cast("g1", "v1")
    assert (vote.kind, vote.group, vote.vote) == (EventKind.VOTE_CAST, "g1", "v1")
