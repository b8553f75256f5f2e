import random

import pytest

from studio.providers.base import Failed, Pending, PollHint, ProviderError, Succeeded
from studio.providers.polling import (
    IntervalPlanner,
    PollingGaveUp,
    PollPolicy,
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


def script(*steps):
    it = iter(steps)

    async def poll():
        step = next(it)
        if isinstance(step, Exception):
            raise step
        return step
    return poll


async def run(poll, clock, **policy):
    return await poll_until_done(poll, policy=PollPolicy(**policy), sleep=clock.sleep,
                                 clock=clock.clock, rng=random.Random(1))


async def test_retry_after_is_honoured_never_earlier():
    c = FakeClock()
    rate_limited = ProviderError("429", status=429, retryable=True, retry_after=7)
    done = Succeeded(outputs=[])
    assert await run(script(rate_limited, done), c) is done
    assert 7 <= c.sleeps[0] <= 7 * 1.1


async def test_queued_polls_do_not_count_against_the_budget():
    c = FakeClock()
    queued = [Pending("queued", queue_position=5 - i // 4) for i in range(20)]
    result = await run(script(*queued, Pending("running"), Succeeded(outputs=[])), c, budget=2)
    assert isinstance(result, Succeeded)
    c2 = FakeClock()
    with pytest.raises(PollingGaveUp):
        await run(script(*[Pending("running")] * 5), c2, budget=2)


async def test_transient_errors_are_retried_then_given_up():
    c = FakeClock()
    err = ProviderError("503", status=503, retryable=True)
    assert isinstance(await run(script(err, err, Failed("bad")), c), Failed)
    with pytest.raises(PollingGaveUp, match="gave up after 2 retries"):
        await run(script(err, err, err, Pending("running")), FakeClock(),
                  max_consecutive_errors=2)


async def test_non_retryable_error_is_raised_at_once():
    with pytest.raises(ProviderError, match="401"):
        await run(script(ProviderError("401", status=401)), FakeClock())


async def test_intervals_stay_sparse_then_dense_near_expected_end():
    """Long runs poll rarely; polls cluster where the job is expected to finish."""
    c = FakeClock()
    steps = [Pending("running")] * 12 + [Succeeded(outputs=[])]
    await run(script(*steps), c, hint=PollHint(min_interval=0.5, max_interval=8),
              expected_seconds=20)
    assert max(c.sleeps) <= 8 * 1.1
    assert c.sleeps[0] >= 8 * 0.9  # 20 s expected: no immediate poll, the first wait is long
    assert min(c.sleeps) <= 0.5 * 1.1  # near the end it polls densely


def test_progress_drives_the_next_poll():
    planner = IntervalPlanner(PollPolicy(hint=PollHint(min_interval=0.25, max_interval=30)), 0)
    planner.next_wait(Pending("running", progress=0.1), now=0)
    # Half done after 10 s: about 10 s remain, so sleep through them, landing just after.
    assert planner.next_wait(Pending("running", progress=0.5), now=10) == pytest.approx(10.15)
    # Nearly done (about 1 s left): poll again just after that.
    assert planner.next_wait(Pending("running", progress=0.95), now=18) < 1.2


def test_overrunning_the_expected_time_polls_densely_then_backs_off():
    hint = PollHint(min_interval=0.5, max_interval=8)
    planner = IntervalPlanner(PollPolicy(hint=hint, expected_seconds=10), 0)
    planner.next_wait(Pending("running"), now=0)
    waits = [planner.next_wait(Pending("running"), now=t) for t in (11, 11.5, 12.3, 13.6)]
    assert waits[0] == 0.5 and waits == sorted(waits) and waits[-1] > 1
