"""The poll loop under long outages and long Retry-After waits (on a fake clock)."""

import random

import pytest

from studio.providers.base import Pending, PollHint, ProviderError, Succeeded
from studio.providers.polling import (
    PollingGaveUp,
    PollPolicy,
    RetryAfterTooLong,
    poll_until_done,
)


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self):
        return self.now

    async def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def outage(clock: FakeClock, until: float, then=None, err=None):
    """Polls fail with a 503 (or `err`) until the clock reaches `until`, then succeed."""
    done = then or Succeeded(outputs=[])
    err = err or ProviderError("status: HTTP 503", status=503, code="http_503", retryable=True)

    async def poll():
        if clock.now < until:
            raise err
        return done
    return poll


async def run(poll, clock, **policy):
    return await poll_until_done(poll, policy=PollPolicy(hint=PollHint(0.5, 8), **policy),
                                 sleep=clock.sleep, clock=clock.clock, rng=random.Random(3))


async def test_a_five_minute_outage_is_survived_with_capped_jittered_backoff():
    c = FakeClock()
    result = await run(outage(c, until=300), c, expected_seconds=20, outage_margin=600,
                       backoff_cap=60)
    assert isinstance(result, Succeeded)
    assert max(c.sleeps) <= 60 * 1.1  # capped
    assert len(set(round(s, 3) for s in c.sleeps if s > 50)) > 1  # jittered, not lockstep
    assert len(c.sleeps) < 20  # backed off: not hammering a provider that is down


async def test_past_the_deadline_polling_gives_up_as_an_outage():
    c = FakeClock()
    with pytest.raises(PollingGaveUp) as info:
        await run(outage(c, until=10_000), c, expected_seconds=30, outage_margin=120,
                  backoff_cap=10)
    assert info.value.code == "poll_outage"
    assert "may still finish" in info.value.message
    # Deadline: max(outage start, job start + expected) + margin = 30 + 120 s.
    assert 150 <= c.now <= 150 + 11


async def test_the_deadline_counts_from_the_outage_when_the_job_ran_long():
    c = FakeClock()
    state = {"n": 0}
    err = ProviderError("HTTP 502", status=502, code="http_502", retryable=True)

    async def poll():
        state["n"] += 1
        if c.now < 500:  # a long healthy run, far past the expected 30 s
            return Pending("running")
        raise err
    with pytest.raises(PollingGaveUp):
        await run(poll, c, expected_seconds=30, outage_margin=120, backoff_cap=10)
    first_error_at = 500
    assert c.now >= first_error_at + 120  # the whole margin, counted from the outage start


async def test_a_resumed_job_counts_the_time_it_already_ran():
    c = FakeClock()
    with pytest.raises(PollingGaveUp):
        await run(outage(c, until=10_000), c, deadline_seconds=60, outage_margin=30,
                  elapsed_before=3600, backoff_cap=5)
    assert c.now <= 30 + 6  # job start + expected is long past: only the margin is left


async def test_retry_after_beyond_the_cap_names_the_wait():
    c = FakeClock()
    slow = ProviderError("status: rate limited (HTTP 429)", status=429, code="http_429",
                         retryable=True, retry_after=3600)
    with pytest.raises(RetryAfterTooLong) as info:
        await run(outage(c, until=10_000, err=slow), c, max_retry_after=600)
    assert "wait 60 min" in info.value.message and "10 min cap" in info.value.message
    assert info.value.retry_after == 3600
    assert c.sleeps == []  # did not sit out an hour first


async def test_retry_after_within_the_cap_is_waited_out():
    c = FakeClock()
    slow = ProviderError("429", status=429, retryable=True, retry_after=300)
    result = await run(outage(c, until=1, err=slow), c, max_retry_after=600)
    assert isinstance(result, Succeeded) and 300 <= c.sleeps[0] <= 330


async def test_each_failed_poll_is_reported_with_its_wait():
    c = FakeClock()
    seen = []
    await poll_until_done(outage(c, until=3), policy=PollPolicy(hint=PollHint(0.5, 8)),
                          on_error=lambda exc, wait: seen.append((exc.status, wait)),
                          sleep=c.sleep, clock=c.clock, rng=random.Random(1))
    assert seen and all(status == 503 and wait > 0 for status, wait in seen)
