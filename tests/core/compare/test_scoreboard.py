"""The scoreboard ranks by evidence, not raw win counts, and counts what artists notice."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.compare.scoreboard import build_scoreboard
from studio.core.compare.votes import Outcome, Vote
from studio.core.jobs import Job, JobStatus

_ids = itertools.count()


def vote(targets: list[str], outcome: Outcome | None = None, winner: int | None = None,
         ratings: dict[int, int] | None = None, artist: str = "ana") -> Vote:
    """A vote over fresh jobs, one per target; winner/ratings index into `targets`."""
    jobs = [f"job{next(_ids)}" for _ in targets]
    return Vote(id=f"v{next(_ids)}", group_id="g", artist=artist, created_at=0.0,
                outcome=outcome, winner=jobs[winner] if winner is not None else None,
                ratings={jobs[i]: r for i, r in (ratings or {}).items()}, shown=tuple(jobs),
                blind=False, session=None, targets=dict(zip(jobs, targets, strict=True)),
                requests={})


def win(a: str, b: str) -> Vote:
    return vote([a, b], Outcome.WINNER, 0)


def rows_by_target(votes):
    return {r.target: r for r in build_scoreboard(votes, {})}


def test_one_lucky_win_ranks_below_a_long_record():
    votes = [win("x:lucky", "x:other")]
    votes += [win("x:steady", "x:rival") for _ in range(18)]
    votes += [win("x:rival", "x:steady") for _ in range(2)]
    rows = build_scoreboard(votes, {})
    ranked = [r.target for r in rows]
    assert ranked.index("x:steady") < ranked.index("x:lucky")
    by = {r.target: r for r in rows}
    assert by["x:lucky"].wins == 1 and by["x:steady"].wins == 18
    assert by["x:lucky"].uncertainty > by["x:steady"].uncertainty
    assert [r.rank for r in rows] == [1, 2, 3, 4]


def test_ratings_and_all_bad_move_a_model_without_head_to_heads():
    votes = [vote(["x:good"], ratings={0: 5}) for _ in range(6)]
    votes += [vote(["x:bad", "x:worse"], Outcome.ALL_BAD) for _ in range(6)]
    by = rows_by_target(votes)
    assert by["x:good"].score > by["x:bad"].score
    assert by["x:good"].average_rating == 5 and by["x:bad"].all_bad == 6


def test_cost_per_accepted_output_and_median_latency():
    def job(job_id: str, usd: float, seconds: float) -> Job:
        return Job(id=job_id, provider="x", model="m", mode="txt2img", prompt="p", request={},
                   status=JobStatus.SUCCEEDED, dry_run=False, estimate={"usd": usd},
                   created_at=100.0, submitted_at=100.0, finished_at=100.0 + seconds)

    votes = [vote(["x:m", "y:n"], Outcome.WINNER, 0),  # accepted: won
             vote(["x:m", "y:n"], Outcome.WINNER, 1, ratings={0: 4}),  # accepted: 4 stars
             vote(["x:m", "y:n"], Outcome.TIE, ratings={0: 2})]  # not accepted
    jobs = {}
    for i, v in enumerate(votes):
        mine = next(j for j, t in v.targets.items() if t == "x:m")
        jobs[mine] = job(mine, 0.10, [4.0, 8.0, 30.0][i])
    rows = {r.target: r for r in build_scoreboard(votes, jobs)}
    row = rows["x:m"]
    assert (row.wins, row.ties, row.votes, row.accepted, row.outputs) == (1, 1, 3, 2, 3)
    assert row.cost_per_accepted == pytest.approx(0.30 / 2)
    assert row.median_latency == 8.0
    assert row.average_rating == 3.0
    assert rows["y:n"].cost_per_accepted is None  # its jobs are unknown: no cost


MODELS = ["p:a", "p:b", "p:c", "p:d"]
vote_strategy = st.one_of(
    st.tuples(st.just("win"), st.sampled_from(MODELS), st.sampled_from(MODELS)),
    st.tuples(st.just("tie"), st.sampled_from(MODELS), st.sampled_from(MODELS)),
    st.tuples(st.just("bad"), st.sampled_from(MODELS), st.sampled_from(MODELS)),
    st.tuples(st.integers(1, 5), st.sampled_from(MODELS), st.sampled_from(MODELS)),
)


def make(spec) -> Vote | None:
    kind, a, b = spec
    if kind == "win":
        return win(a, b) if a != b else None
    if kind == "tie":
        return vote([a, b], Outcome.TIE) if a != b else None
    if kind == "bad":
        return vote([a], Outcome.ALL_BAD)
    return vote([a], ratings={0: kind})


@settings(max_examples=60, deadline=None)
@given(st.lists(vote_strategy, max_size=30), st.sampled_from(MODELS), st.sampled_from(MODELS))
def test_adding_a_win_never_lowers_the_winners_score(specs, winner, loser):
    if winner == loser:
        loser = next(m for m in MODELS if m != winner)
    votes = [v for s in specs if (v := make(s)) is not None]
    before = rows_by_target(votes).get(winner)
    after = rows_by_target([*votes, win(winner, loser)])[winner]
    if before is not None:
        assert after.score >= before.score - 1e-6
        assert after.wins == before.wins + 1


def test_median_quality_sits_beside_the_votes_without_moving_the_rank():
    votes = [win("x:m", "y:n") for _ in range(3)]
    mine = [next(j for j, t in v.targets.items() if t == "x:m") for v in votes]
    theirs = [next(j for j, t in v.targets.items() if t == "y:n") for v in votes]
    qualities = {mine[0]: [80.0], mine[1]: [60.0, 90.0], theirs[0]: [95.0]}
    with_q = {r.target: r for r in build_scoreboard(votes, {}, qualities)}
    without = {r.target: r for r in build_scoreboard(votes, {})}
    assert with_q["x:m"].median_quality == 80.0  # of 80, 60, 90
    assert with_q["y:n"].median_quality == 95.0
    assert with_q["x:m"].as_dict()["median_quality_score"] == 80.0
    assert without["x:m"].median_quality is None
    assert [r.target for r in with_q.values()] == [r.target for r in without.values()]
    assert with_q["x:m"].score == without["x:m"].score
