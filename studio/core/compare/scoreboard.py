"""One artist's scoreboard: which provider/model they prefer, and how sure that is.

Ranking: Bradley-Terry strengths fitted as a maximum a posteriori estimate under a
Gaussian prior on each log-strength, ranked by a lower bound (strength - Z standard
errors, from the Laplace approximation), so one lucky win never outranks a long record.
Head-to-head votes are games between models. Absolute judgements (a 1-5 rating, "all
bad") are games against a fixed reference player at strength 0, which anchors the scale.
Scores are shown on an Elo-like scale: 1500 is the reference, +400 is 10:1 odds.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from studio.core.compare.groups import cost_usd, latency_seconds
from studio.core.compare.votes import Outcome, Vote, Votes
from studio.core.jobs import Job
from studio.core.quality_store import QualityStore
from studio.core.store import Store

if TYPE_CHECKING:  # numpy loads when a scoreboard is fitted, not with the Compare tab
    import numpy as np

PRIOR_SD = 1.0  # log-strength; a model needs evidence to move far from the reference
Z = 2.0  # lower bound = mean - Z * standard error
REFERENCE = "\x00reference"
ELO = 400 / math.log(10)
ACCEPT_RATING = 4


@dataclass(frozen=True)
class Game:
    """One comparison: `score` is a's result against b (1 win, 0.5 tie, 0 loss)."""

    a: str
    b: str
    score: float
    weight: float = 1.0


@dataclass(frozen=True)
class Strength:
    mean: float  # log-strength
    se: float

    @property
    def lower(self) -> float:
        return self.mean - Z * self.se


@dataclass
class ScoreRow:
    target: str  # provider:model
    score: float  # Elo-like lower bound: what the ranking uses
    rating: float  # Elo-like estimate
    uncertainty: float  # Elo-like standard error
    votes: int = 0  # votes this model was shown in
    wins: int = 0
    ties: int = 0
    all_bad: int = 0
    ratings: list[int] = field(default_factory=list)
    accepted: int = 0  # outputs that won or were rated 4 or more
    outputs: int = 0  # distinct outputs shown
    cost_usd: float = 0.0
    priced: int = 0  # outputs whose cost is known
    latencies: list[float] = field(default_factory=list)
    # Quality scores (core.metrics) of the outputs shown, beside the votes, not in them.
    qualities: list[float] = field(default_factory=list)
    rank: int = 0

    @property
    def provider(self) -> str:
        return self.target.partition(":")[0]

    @property
    def model(self) -> str:
        return self.target.partition(":")[2]

    @property
    def average_rating(self) -> float | None:
        return statistics.fmean(self.ratings) if self.ratings else None

    @property
    def cost_per_accepted(self) -> float | None:
        return self.cost_usd / self.accepted if self.accepted and self.priced else None

    @property
    def median_latency(self) -> float | None:
        return statistics.median(self.latencies) if self.latencies else None

    @property
    def median_quality(self) -> float | None:
        return round(statistics.median(self.qualities), 2) if self.qualities else None

    def as_dict(self) -> dict[str, object]:
        return {"rank": self.rank, "target": self.target, "provider": self.provider,
                "model": self.model, "score": round(self.score, 1),
                "rating": round(self.rating, 1), "uncertainty": round(self.uncertainty, 1),
                "votes": self.votes, "wins": self.wins, "ties": self.ties,
                "all_bad": self.all_bad, "average_rating": self.average_rating,
                "ratings": len(self.ratings), "accepted": self.accepted,
                "outputs": self.outputs, "cost_usd": round(self.cost_usd, 4),
                "cost_per_accepted_usd": self.cost_per_accepted,
                "median_latency_seconds": self.median_latency,
                "median_quality_score": self.median_quality}


def games_from_votes(votes: Iterable[Vote]) -> list[Game]:
    games: list[Game] = []
    for vote in votes:
        key = vote.targets
        shown = [j for j in vote.shown if j in key]
        if vote.outcome is Outcome.WINNER and vote.winner in key:
            games += [Game(key[vote.winner], key[j], 1.0) for j in shown
                      if j != vote.winner and key[j] != key[vote.winner]]
        elif vote.outcome is Outcome.TIE:
            games += [Game(key[a], key[b], 0.5) for i, a in enumerate(shown)
                      for b in shown[i + 1:] if key[a] != key[b]]
        elif vote.outcome is Outcome.ALL_BAD:
            games += [Game(key[j], REFERENCE, 0.0) for j in shown]
        for job_id, stars in vote.ratings.items():
            if job_id in key:
                games.append(Game(key[job_id], REFERENCE, (stars - 1) / 4))
    return games


def fit(players: list[str], games: list[Game], prior_sd: float = PRIOR_SD) -> dict[str, Strength]:
    """MAP Bradley-Terry strengths with a N(0, prior_sd²) prior; Newton's method."""
    n = len(players)
    if n == 0:
        return {}
    import numpy as np

    index = {p: i for i, p in enumerate(players)}
    a = np.array([index.get(g.a, -1) for g in games], dtype=int)
    b = np.array([index.get(g.b, -1) for g in games], dtype=int)
    s = np.array([g.score for g in games], dtype=float)
    w = np.array([g.weight for g in games], dtype=float)
    precision = 1.0 / prior_sd**2
    theta = np.zeros(n)
    info = np.eye(n) * precision
    for _ in range(100):
        grad, info = _gradient_and_information(theta, a, b, s, w, precision)
        step = np.linalg.solve(info, grad)
        step = np.clip(step, -2.0, 2.0)  # damped: the logistic curve is flat far out
        theta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    _, info = _gradient_and_information(theta, a, b, s, w, precision)
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    return {p: Strength(float(theta[i]), float(se[i])) for p, i in index.items()}


def _gradient_and_information(theta: np.ndarray, a: np.ndarray, b: np.ndarray, s: np.ndarray,
                              w: np.ndarray, precision: float) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    n = len(theta)
    padded = np.append(theta, 0.0)  # index -1: the reference player, fixed at 0
    p = 1.0 / (1.0 + np.exp(-(padded[a] - padded[b])))
    residual = w * (s - p)
    curvature = w * p * (1 - p)
    grad = -precision * theta
    info = np.eye(n) * precision
    ha, hb = a >= 0, b >= 0
    np.add.at(grad, a[ha], residual[ha])
    np.add.at(grad, b[hb], -residual[hb])
    np.add.at(info, (a[ha], a[ha]), curvature[ha])
    np.add.at(info, (b[hb], b[hb]), curvature[hb])
    both = ha & hb
    np.add.at(info, (a[both], b[both]), -curvature[both])
    np.add.at(info, (b[both], a[both]), -curvature[both])
    return grad, info


def build_scoreboard(votes: list[Vote], jobs: Mapping[str, Job],
                     qualities: Mapping[str, list[float]] | None = None) -> list[ScoreRow]:
    """Rows for every provider:model in these votes, best first. `qualities`: the quality
    scores of each job's outputs (shown beside the votes; they do not change the rank)."""
    rows: dict[str, ScoreRow] = {}
    seen: dict[str, set[str]] = {}
    accepted: dict[str, set[str]] = {}

    def row(target: str) -> ScoreRow:
        if target not in rows:
            rows[target] = ScoreRow(target, 0.0, 0.0, 0.0)
            seen[target], accepted[target] = set(), set()
        return rows[target]

    for vote in votes:
        for target in dict.fromkeys(vote.targets[j] for j in vote.shown if j in vote.targets):
            r = row(target)
            r.votes += 1
            r.ties += vote.outcome is Outcome.TIE
            r.all_bad += vote.outcome is Outcome.ALL_BAD
        for job_id in vote.shown:
            shown = vote.targets.get(job_id)
            if shown is None:
                continue
            seen[shown].add(job_id)
            if job_id == vote.winner and vote.outcome is Outcome.WINNER:
                rows[shown].wins += 1
                accepted[shown].add(job_id)
            stars = vote.ratings.get(job_id)
            if stars is not None:
                rows[shown].ratings.append(stars)
                if stars >= ACCEPT_RATING:
                    accepted[shown].add(job_id)
    strengths = fit(sorted(rows), games_from_votes(votes))
    for target, r in rows.items():
        strength = strengths[target]
        r.score = 1500 + ELO * strength.lower
        r.rating = 1500 + ELO * strength.mean
        r.uncertainty = ELO * strength.se
        r.accepted = len(accepted[target])
        r.outputs = len(seen[target])
        for job_id in seen[target]:
            job = jobs.get(job_id)
            cost = cost_usd(job)
            if cost is not None:
                r.cost_usd += cost
                r.priced += 1
            latency = latency_seconds(job)
            if latency is not None:
                r.latencies.append(latency)
            r.qualities += (qualities or {}).get(job_id, [])
    ranked = sorted(rows.values(), key=lambda r: (-r.score, -r.wins, r.target))
    for i, r in enumerate(ranked, 1):
        r.rank = i
    return ranked


def artist_scoreboard(store: Store, votes: Votes, artist: str | None = None) -> list[ScoreRow]:
    """The scoreboard from one artist's own votes (the current user by default)."""
    mine = votes.for_artist(artist)
    ids = {j for v in mine for j in v.shown}
    jobs = {j: job for j in ids if (job := store.get_job(j)) is not None}
    return build_scoreboard(mine, jobs, QualityStore(store).job_scores(jobs))
