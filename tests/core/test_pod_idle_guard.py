"""The idle guard's bookkeeping on a clock moved by hand: a warning before every stop, and
a pod found already past the limit (the studio was closed while it ran) gets the full
notice before it is stopped."""

from __future__ import annotations

from studio.core.pods.guard import IdleGuard


def guard_at(now: list[float]) -> IdleGuard:
    return IdleGuard(lambda: now[0])


def kinds(guard: IdleGuard, idle_minutes: float = 10, warn_minutes: float = 2):
    return [("stop" if v.stop else "warn", round(v.left_seconds))
            for v in guard.verdicts(idle_minutes, warn_minutes)]


def test_warned_at_the_notice_then_stopped_at_the_limit():
    now = [0.0]
    guard = guard_at(now)
    guard.watch("p")
    now[0] = 7 * 60
    assert kinds(guard) == []
    now[0] = 8 * 60 + 30  # a tick late: the stop still comes at the 10-minute mark
    assert kinds(guard) == [("warn", 90)]
    now[0] = 9 * 60
    assert kinds(guard) == []  # warned once
    now[0] = 10 * 60
    assert kinds(guard) == [("stop", 0)]


def test_a_pod_already_past_the_limit_is_warned_first_with_the_full_notice():
    now = [1000.0]
    guard = guard_at(now)
    guard.watch("p", idle_seconds=5 * 3600)  # up since the studio closed, 5 h ago
    [verdict] = guard.verdicts(10, 2)
    assert not verdict.stop and verdict.idle_seconds == 5 * 3600
    assert verdict.left_seconds == 120
    now[0] += 119
    assert kinds(guard) == []
    now[0] += 1
    assert kinds(guard) == [("stop", 0)]


def test_a_job_after_the_warning_calls_the_stop_off():
    now = [0.0]
    guard = guard_at(now)
    guard.watch("p", idle_seconds=3600)
    assert kinds(guard) == [("warn", 120)]
    now[0] = 60
    guard.job_seen("p", "j1", finished=False)  # the artist came back and used it
    now[0] = 3600
    assert kinds(guard) == []  # busy, whatever the time
    guard.job_seen("p", "j1", finished=True)
    now[0] = 3600 + 9 * 60
    assert kinds(guard) == [("warn", 60)]  # a new idle spell, a new warning


def test_no_notice_asked_still_warns_before_the_stop():
    now = [0.0]
    guard = guard_at(now)
    guard.watch("p")
    now[0] = 600
    assert kinds(guard, warn_minutes=0) == [("warn", 0)]
    assert kinds(guard, warn_minutes=0) == [("stop", 0)]
