"""Votes and ratings on compare groups, and blind sessions.

A vote keeps what the artist saw (the jobs in the order shown, and whether names were
hidden), what they chose (a winner, a tie or "all bad", and/or 1-5 ratings) and the full
request of every job shown (the jobs' stored, redacted requests), so any scoreboard
figure can be traced back to exactly what was asked.

A blind session fixes a shuffled order for one artist and one set of jobs; it stays the
same until a vote reveals it, so reopening the group never reshuffles under the artist.
"""

from __future__ import annotations

import getpass
import json
import random
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from studio.core.events import StoreEvent
from studio.core.jobs import JobStatus
from studio.core.store import Store

DDL = """
CREATE TABLE IF NOT EXISTS compare_votes (
    id TEXT PRIMARY KEY, group_id TEXT NOT NULL, artist TEXT NOT NULL,
    created_at REAL NOT NULL, outcome TEXT, winner TEXT, ratings TEXT NOT NULL,
    shown TEXT NOT NULL, blind INTEGER NOT NULL, session TEXT, targets TEXT NOT NULL,
    requests TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS compare_votes_group ON compare_votes(group_id);
CREATE INDEX IF NOT EXISTS compare_votes_artist ON compare_votes(artist);
CREATE TABLE IF NOT EXISTS compare_blind (
    id TEXT PRIMARY KEY, group_id TEXT NOT NULL, artist TEXT NOT NULL, jobs TEXT NOT NULL,
    shown TEXT NOT NULL, created_at REAL NOT NULL, revealed_at REAL);
CREATE INDEX IF NOT EXISTS compare_blind_group ON compare_blind(group_id, artist);
"""


class Outcome(StrEnum):
    WINNER = "winner"
    TIE = "tie"
    ALL_BAD = "all_bad"


class VoteError(ValueError):
    """A vote that cannot be stored, with a message the artist can act on."""


def default_artist() -> str:
    try:
        return getpass.getuser() or "artist"
    except (OSError, KeyError, ImportError):
        return "artist"


@dataclass(frozen=True)
class BlindSession:
    id: str
    group_id: str
    artist: str
    order: tuple[str, ...]  # job ids, in the order shown as A, B, C ...
    created_at: float
    revealed_at: float | None = None

    @property
    def revealed(self) -> bool:
        return self.revealed_at is not None


@dataclass(frozen=True)
class Vote:
    id: str
    group_id: str
    artist: str
    created_at: float
    outcome: Outcome | None
    winner: str | None
    ratings: dict[str, int]
    shown: tuple[str, ...]
    blind: bool
    session: str | None
    targets: dict[str, str]  # job id -> "provider:model"
    requests: dict[str, Any]  # job id -> the job's stored (redacted) request

    def as_dict(self) -> dict[str, Any]:
        return {"vote_id": self.id, "group_id": self.group_id, "artist": self.artist,
                "created_at": self.created_at,
                "outcome": self.outcome.value if self.outcome else None,
                "winner": self.winner, "ratings": self.ratings, "shown": list(self.shown),
                "blind": self.blind, "targets": self.targets, "requests": self.requests}


class Votes:
    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure_schema(DDL)

    # -- blind sessions -----------------------------------------------------------------

    def blind_session(self, group_id: str, job_ids: list[str], artist: str | None = None,
                      rng: random.Random | None = None) -> BlindSession:
        """The open session for these jobs, or a new one with a fresh shuffle."""
        artist = artist or default_artist()
        key = json.dumps(sorted(job_ids))
        rows = self.store.query(
            "SELECT * FROM compare_blind WHERE group_id=? AND artist=? AND jobs=? AND "
            "revealed_at IS NULL ORDER BY created_at DESC LIMIT 1", (group_id, artist, key))
        if rows:
            return _session(rows[0])
        order = list(job_ids)
        (rng or random.SystemRandom()).shuffle(order)
        session = BlindSession(uuid.uuid4().hex[:12], group_id, artist, tuple(order),
                               time.time())
        with self.store.transaction() as db:
            db.execute("INSERT INTO compare_blind VALUES (?, ?, ?, ?, ?, ?, NULL)",
                       (session.id, group_id, artist, key, json.dumps(order),
                        session.created_at))
        return session

    def session(self, session_id: str) -> BlindSession | None:
        rows = self.store.query("SELECT * FROM compare_blind WHERE id=?", (session_id,))
        return _session(rows[0]) if rows else None

    # -- casting ------------------------------------------------------------------------

    def cast(
        self,
        group_id: str,
        shown: list[str],
        *,
        winner: str | None = None,
        tie: bool = False,
        all_bad: bool = False,
        ratings: dict[str, int] | None = None,
        artist: str | None = None,
        session: BlindSession | None = None,
    ) -> Vote:
        """Store one vote. `shown` is the jobs on screen, in screen order (a blind session
        supplies its own order and is revealed by the vote)."""
        ratings = dict(ratings or {})
        outcome = _outcome(winner, tie, all_bad)
        if session is not None:
            current = self.session(session.id)
            if current is None or current.group_id != group_id:
                raise VoteError("that blind session belongs to another group")
            if current.revealed:
                raise VoteError("this blind round was already voted on; start a new one")
            if set(current.order) != set(shown):
                raise VoteError("the jobs shown are not the blind session's jobs")
            shown = list(current.order)
            artist = current.artist
        _check(shown, outcome, winner, ratings)
        jobs = {}
        for job_id in shown:
            job = self.store.get_job(job_id)
            if job is None or job.compare_group != group_id:
                raise VoteError(f"job {job_id} is not in compare group {group_id}")
            if job.status is not JobStatus.SUCCEEDED:
                raise VoteError(f"job {job_id} ({job.provider}:{job.model}) has no output to "
                                f"judge: it is {job.status.value}")
            jobs[job_id] = job
        vote = Vote(
            id=uuid.uuid4().hex[:12], group_id=group_id, artist=artist or default_artist(),
            created_at=time.time(), outcome=outcome, winner=winner, ratings=ratings,
            shown=tuple(shown), blind=session is not None,
            session=session.id if session else None,
            targets={j: f"{job.provider}:{job.model}" for j, job in jobs.items()},
            requests={j: job.request for j, job in jobs.items()})
        with self.store.transaction() as db:
            db.execute("INSERT INTO compare_votes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (
                vote.id, group_id, vote.artist, vote.created_at,
                outcome.value if outcome else None, winner, json.dumps(ratings),
                json.dumps(list(shown)), int(vote.blind), vote.session,
                json.dumps(vote.targets), json.dumps(vote.requests)))
            if session is not None:
                db.execute("UPDATE compare_blind SET revealed_at=? WHERE id=?",
                           (vote.created_at, session.id))
        for job_id, stars in ratings.items():  # the gallery shows the same stars
            for asset in self.store.assets_for_job(job_id):
                self.store.set_rating(asset.id, stars)
        self.store.publish(StoreEvent.vote_cast(group_id, vote.id))
        return vote

    # -- reading ------------------------------------------------------------------------

    def for_group(self, group_id: str) -> list[Vote]:
        return self._votes("WHERE group_id=?", (group_id,))

    def for_artist(self, artist: str | None = None) -> list[Vote]:
        return self._votes("WHERE artist=?", (artist or default_artist(),))

    def artists(self) -> list[str]:
        return [r[0] for r in self.store.query(
            "SELECT artist FROM compare_votes GROUP BY artist ORDER BY MAX(created_at) DESC")]

    def _votes(self, where: str, args: tuple[Any, ...]) -> list[Vote]:
        rows = self.store.query(f"SELECT * FROM compare_votes {where} ORDER BY created_at",
                                args)
        return [Vote(r["id"], r["group_id"], r["artist"], r["created_at"],
                     Outcome(r["outcome"]) if r["outcome"] else None, r["winner"],
                     json.loads(r["ratings"]), tuple(json.loads(r["shown"])), bool(r["blind"]),
                     r["session"], json.loads(r["targets"]), json.loads(r["requests"]))
                for r in rows]


def _session(row: Any) -> BlindSession:
    return BlindSession(row["id"], row["group_id"], row["artist"], tuple(json.loads(row["shown"])),
                        row["created_at"], row["revealed_at"])


def _outcome(winner: str | None, tie: bool, all_bad: bool) -> Outcome | None:
    chosen = [o for o, on in ((Outcome.WINNER, winner is not None), (Outcome.TIE, tie),
                              (Outcome.ALL_BAD, all_bad)) if on]
    if len(chosen) > 1:
        raise VoteError("pick one of: a winner, a tie, or all bad")
    return chosen[0] if chosen else None


def _check(shown: list[str], outcome: Outcome | None, winner: str | None,
           ratings: dict[str, int]) -> None:
    if not shown:
        raise VoteError("no outputs to vote on yet (dry-runs and failed jobs have none)")
    if len(set(shown)) != len(shown):
        raise VoteError("a job appears twice in what was shown")
    if outcome is None and not ratings:
        raise VoteError("pick a winner, a tie or all bad, or rate at least one output")
    if outcome in (Outcome.WINNER, Outcome.TIE) and len(shown) < 2:
        raise VoteError("a winner or a tie needs at least two outputs")
    if winner is not None and winner not in shown:
        raise VoteError(f"the winner {winner} was not among the outputs shown")
    for job_id, stars in ratings.items():
        if job_id not in shown:
            raise VoteError(f"rated job {job_id} was not among the outputs shown")
        if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
            raise VoteError(f"a rating is 1 to 5 stars, not {stars!r}")
