"""Votes and ratings: stored with what was shown and asked; blind rounds stay put."""

import getpass
import random

import pytest

from studio.core.compare.adapt import Brief, Target
from studio.core.compare.groups import CompareGroups
from studio.core.compare.votes import Outcome, VoteError, Votes
from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.service import Studio

LABELS = ["fal:fal-ai/flux/schnell", "stability:core", "stability:sd3.5-medium"]


@pytest.fixture
async def setup(home, sandbox):
    """A live group against the sandbox whose three outputs have arrived."""
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings,
                                     "features.enable_public_image_providers", "true"))
    groups = CompareGroups(studio)
    group = await groups.create(Brief(prompt="a teapot", seed=9, aspect="1:1"),
                                [Target.parse(t) for t in LABELS])
    for job_id in group.latest_jobs():
        assert (await studio.wait(job_id)).status is JobStatus.SUCCEEDED
    yield studio, groups, group, Votes(studio.store)
    await studio.aclose()


async def test_vote_keeps_requests_artist_and_order(setup):
    studio, _, group, votes = setup
    shown = list(reversed(group.latest_jobs()))
    winner = shown[1]
    vote = votes.cast(group.id, shown, winner=winner, ratings={winner: 5, shown[0]: 2})
    [stored] = votes.for_group(group.id)
    assert stored == vote
    assert stored.outcome is Outcome.WINNER and stored.winner == winner
    assert stored.artist == getpass.getuser() and not stored.blind
    assert list(stored.shown) == shown
    for job_id in shown:
        job = studio.store.get_job(job_id)
        assert stored.requests[job_id] == job.request  # the full (redacted) request
        assert stored.targets[job_id] == f"{job.provider}:{job.model}"
    assert stored.requests[winner]["seed"] in (9, None)
    assert votes.for_artist("someone-else") == []


async def test_blind_order_is_stable_until_a_vote_reveals_it(setup):
    _, _, group, votes = setup
    jobs = group.latest_jobs()
    first = votes.blind_session(group.id, jobs, "ana", rng=random.Random(4))
    assert sorted(first.order) == sorted(jobs) and list(first.order) != jobs
    again = votes.blind_session(group.id, list(reversed(jobs)), "ana")
    assert again.id == first.id and again.order == first.order
    other = votes.blind_session(group.id, jobs, "ben", rng=random.Random(5))
    assert other.id != first.id  # each artist has their own round

    vote = votes.cast(group.id, jobs, tie=True, session=first)
    assert vote.blind and vote.artist == "ana" and vote.shown == first.order
    assert votes.session(first.id).revealed
    fresh = votes.blind_session(group.id, jobs, "ana")
    assert fresh.id != first.id and not fresh.revealed
    with pytest.raises(VoteError, match="already voted"):
        votes.cast(group.id, jobs, tie=True, session=first)


async def test_bad_votes_are_refused_and_nothing_is_stored(setup):
    _, groups, group, votes = setup
    jobs = group.latest_jobs()
    other = await groups.create(Brief(prompt="a kettle"), [Target.parse(LABELS[0])])
    await groups.studio.wait(other.latest_jobs()[0])
    cases = [
        (dict(winner="nope"), "not among"),
        (dict(ratings={jobs[0]: 6}), "1 to 5"),
        (dict(winner=jobs[0], tie=True), "one of"),
        ({}, "pick a winner"),
    ]
    for kwargs, message in cases:
        with pytest.raises(VoteError, match=message):
            votes.cast(group.id, jobs, **kwargs)
    with pytest.raises(VoteError, match="not in compare group"):
        votes.cast(group.id, [*jobs, other.latest_jobs()[0]], tie=True)
    assert votes.for_group(group.id) == []


async def test_ratings_show_up_as_gallery_stars(setup):
    studio, _, group, votes = setup
    job_id = group.latest_jobs()[0]
    votes.cast(group.id, group.latest_jobs(), ratings={job_id: 4})
    [asset] = studio.store.assets_for_job(job_id)
    assert asset.rating == 4


async def test_outputs_that_never_arrived_cannot_be_judged(home):
    studio = Studio(home)  # no keys: every job is a dry-run
    try:
        group = await CompareGroups(studio).create(
            Brief(prompt="a kettle"), [Target.parse(t) for t in LABELS[:2]])
        assert group.votable(studio.store) == []
        with pytest.raises(VoteError, match="no output to judge: it is dry_run"):
            Votes(studio.store).cast(group.id, group.latest_jobs(), tie=True)
    finally:
        await studio.aclose()
