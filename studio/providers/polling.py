"""The one polling loop every adapter shares.

Adaptive intervals: dense polls when a state changes or the job is expected to end soon,
sparse polls in between. Retryable errors (408/429/5xx, network, garbage JSON) are
retried with capped, jittered backoff, honouring Retry-After up to a cap, until the
outage outlasts the job's deadline (expected duration plus a margin). Only non-queued
polls count against the budget, so a long queue never times a job out. Cancel by
cancelling the task.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from studio.providers.base import Failed, Pending, PollHint, PollResult, ProviderError, Succeeded


@dataclass
class PollPolicy:
    """How often a job is polled, and how many failed polls it survives."""
    hint: PollHint = field(default_factory=PollHint)
    budget: int = 2000  # non-queued polls before giving up
    # None: an outage is survived until its deadline (below), however many polls fail.
    max_consecutive_errors: int | None = None
    growth: float = 1.6
    jitter: float = 0.1  # +-10 % of each interval
    expected_seconds: float | None = None  # typical submit-to-done time, if known
    # The duration the outage deadline counts from; expected_seconds when not given.
    deadline_seconds: float | None = None
    # An outage (5xx, connect errors, garbage) ends polling only after
    # max(job start + expected duration, outage start) + outage_margin.
    outage_margin: float = 600.0
    backoff_cap: float = 60.0  # the longest wait between polls during an outage
    max_retry_after: float = 600.0  # a longer Retry-After ends polling (RetryAfterTooLong)
    elapsed_before: float = 0.0  # seconds the job had already run when polling started


@dataclass
class PollStats:
    """How a job's polling went: polls made and errors met."""
    polls: int = 0
    counted_polls: int = 0
    errors: int = 0


class PollingGaveUp(ProviderError):
    """Polling stopped without an answer; the job may still finish at the provider."""


class RetryAfterTooLong(ProviderError):
    """The provider asked to wait longer than the cap; `retry_after` says how long."""


class IntervalPlanner:
    """Chooses the wait before the next poll from what the last polls showed.

    With a typical duration for the model (from history) or progress from the provider,
    it sleeps through the expected remainder and lands just after the expected end.
    Without either, the interval grows from the minimum and resets on every change.
    """

    def __init__(self, policy: PollPolicy, now: float) -> None:
        self.policy = policy
        self.interval = policy.hint.min_interval
        self.started = now
        self.running_since: float | None = None
        self.last: Pending | None = None
        self.overrun = False

    def first_wait(self) -> float:
        """Before the first poll: none, unless history says the job takes a while."""
        expected = self.policy.expected_seconds
        if not expected or expected < 2 * self.policy.hint.min_interval:
            return 0.0
        return min(self.policy.hint.max_interval, expected * 0.5)

    def next_wait(self, pending: Pending, now: float) -> float:
        hint = self.policy.hint
        changed = self.last is None or (pending.state, pending.queue_position) != (
            self.last.state, self.last.queue_position
        )
        if pending.state == "running" and self.running_since is None:
            self.running_since = now
        self.last = pending
        if changed:
            self.interval = hint.min_interval
        else:
            self.interval = min(hint.max_interval, self.interval * self.policy.growth)
        remaining = self._remaining(pending, now)
        if remaining is not None and remaining > 0:
            self.overrun = False
            return max(hint.min_interval, min(hint.max_interval, remaining + _MARGIN))
        if remaining is not None and not self.overrun:
            # Past the expected end: start dense again, then back off.
            self.overrun = True
            self.interval = hint.min_interval
        return self.interval

    def _remaining(self, pending: Pending, now: float) -> float | None:
        if self.policy.expected_seconds:
            # History includes our own detection delay, so aim a little early.
            return self.policy.expected_seconds * _AIM - (now - self.started)
        if pending.state != "running" or self.running_since is None:
            return None
        if pending.progress is not None and 0.05 <= pending.progress < 1:
            elapsed = now - self.running_since
            return elapsed * (1 - pending.progress) / pending.progress
        return None


# Land a little after the expected end rather than just before it.
_MARGIN = 0.15
_AIM = 0.85


async def poll_until_done(
    poll: Callable[[], Awaitable[PollResult]],
    *,
    policy: PollPolicy | None = None,
    on_update: Callable[[Pending], None] | None = None,
    on_error: Callable[[ProviderError, float], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    stats: PollStats | None = None,
) -> Succeeded | Failed:
    policy = policy or PollPolicy()
    rng = rng or random.Random()
    stats = stats if stats is not None else PollStats()
    planner = IntervalPlanner(policy, clock())
    job_started = clock() - policy.elapsed_before
    errors = 0
    outage_since: float | None = None
    backoff = policy.hint.min_interval
    first = planner.first_wait()
    if first:
        await sleep(first)
    while True:
        try:
            result = await poll()
        except ProviderError as exc:
            if not exc.retryable:
                raise
            errors += 1
            stats.errors += 1
            now = clock()
            outage_since = now if outage_since is None else outage_since
            _check_outage(exc, policy, errors, now - outage_since,
                          max(outage_since, job_started + _expected(policy))
                          + policy.outage_margin - now)
            backoff = min(policy.backoff_cap, max(backoff * 2, policy.hint.min_interval))
            if on_error is not None:
                on_error(exc, exc.retry_after if exc.retry_after is not None else backoff)
            if exc.retry_after is not None:
                if exc.retry_after > policy.max_retry_after:
                    raise RetryAfterTooLong(
                        f"{exc.message}; the provider asked to wait "
                        f"{describe_wait(exc.retry_after)}, longer than the "
                        f"{describe_wait(policy.max_retry_after)} cap "
                        "(network.max_retry_after_seconds)",
                        status=exc.status, code="retry_after_too_long",
                        retry_after=exc.retry_after) from exc
                # Never earlier than the provider asked; a little later spreads the herd.
                await sleep(exc.retry_after * (1 + rng.uniform(0, policy.jitter)))
            else:
                await sleep(_jittered(backoff, policy.jitter, rng))
            continue
        stats.polls += 1
        errors = 0
        outage_since = None
        backoff = policy.hint.min_interval
        if isinstance(result, Succeeded | Failed):
            return result
        if result.state != "queued":
            stats.counted_polls += 1
            if stats.counted_polls > policy.budget:
                raise PollingGaveUp(
                    f"the provider did not finish after {policy.budget} status checks",
                    code="poll_budget",
                )
        if on_update is not None:
            on_update(result)
        await sleep(_jittered(planner.next_wait(result, clock()), policy.jitter, rng))


def _expected(policy: PollPolicy) -> float:
    return policy.deadline_seconds or policy.expected_seconds or 0.0


def _check_outage(exc: ProviderError, policy: PollPolicy, errors: int, lasted: float,
                  left: float) -> None:
    """Raise PollingGaveUp when the outage has used up its deadline (or error count)."""
    if policy.max_consecutive_errors is not None and errors > policy.max_consecutive_errors:
        raise PollingGaveUp(f"{exc.message} (gave up after {errors - 1} retries)",
                            status=exc.status, code=exc.code) from exc
    if left <= 0:
        raise PollingGaveUp(
            f"{exc.message} (status checks failed for {describe_wait(lasted)}, past this job's "
            "deadline; it may still finish at the provider)",
            status=exc.status, code="poll_outage") from exc


def describe_wait(seconds: float) -> str:
    """A wait in words: '45 s', '12 min', '2.5 h'."""
    if seconds >= 5400:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 90:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def _jittered(seconds: float, jitter: float, rng: random.Random) -> float:
    return max(0.0, seconds * (1 + rng.uniform(-jitter, jitter)))
