"""Pure pieces of the sandbox: job clock, fault parsing, multipart parsing, sizes."""

from __future__ import annotations

import httpx
import pytest

from studio.sandbox.clock import SandboxClock
from studio.sandbox.faults import FaultError, FaultState
from studio.sandbox.formdata import FormDataError, parse_form
from studio.sandbox.jobs import Failure, Job, JobTable, Phase
from studio.sandbox.sizes import cap_video, video_size


def make_job(created_at: float = 0.0, **kwargs: object) -> Job:
    return Job("fal", "fal-ai/flux/dev", created_at, queue_seconds=1.0, run_seconds=2.0, **kwargs)


def test_job_phases_follow_the_clock() -> None:
    job = make_job(throttle_seconds=0.5)
    assert [job.phase(t) for t in (0.0, 0.99, 1.2, 1.5, 3.49, 3.5)] == [
        Phase.QUEUED,
        Phase.QUEUED,
        Phase.THROTTLED,
        Phase.RUNNING,
        Phase.RUNNING,
        Phase.SUCCEEDED,
    ]
    assert job.progress(1.5) == 0.0
    assert job.progress(2.5) == pytest.approx(0.5)
    assert job.progress(9) == 1.0


def test_logs_grow_and_a_failure_ends_them() -> None:
    job = make_job(failure=Failure("boom", "It broke"), log_steps=4)
    counts = [len(job.logs(t)) for t in (0.5, 1.0, 2.0, 3.0, 5.0)]
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] == 6
    assert job.logs(5.0)[-1].level == "ERROR"
    assert job.phase(5.0) is Phase.FAILED


def test_cancellation_rules() -> None:
    job = make_job()
    assert job.cancel(0.5) is True
    assert job.phase(10) is Phase.CANCELLED
    assert job.cancel(0.6) is False
    finished = make_job()
    assert finished.cancel(10) is False
    assert finished.cancel(10, even_if_finished=True) is True
    assert finished.phase(10) is Phase.CANCELLED


def test_queue_position_counts_earlier_waiting_jobs() -> None:
    table = JobTable()
    jobs = [table.add(make_job(created_at=t)) for t in (0.0, 0.5, 0.6)]
    assert [table.queue_position(j, 0.7) for j in jobs] == [0, 1, 2]
    # At 1.2 the first job runs, so the others move up.
    assert [table.queue_position(j, 1.2) for j in jobs[1:]] == [0, 1]


def test_clock_freeze_advance_resume() -> None:
    clock = SandboxClock(frozen_at=5.0)
    assert clock.now() == 5.0
    assert clock.advance(1.5) == 6.5
    clock.resume()
    assert clock.now() >= 6.5 and not clock.frozen
    assert clock.iso(0.0).endswith("Z")
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_fault_entries_are_consumed_per_provider() -> None:
    faults = FaultState()
    faults.apply({"rate_limit": [{"count": 1, "provider": "fal"}, {"count": 2}]})
    assert faults.take("rate_limit", "runway").provider is None
    assert faults.take("rate_limit", "fal").provider == "fal"
    assert faults.take("rate_limit", "fal").provider is None
    assert faults.take("rate_limit", "fal") is None


def test_fault_spec_is_validated_as_a_whole() -> None:
    faults = FaultState()
    with pytest.raises(FaultError):
        faults.apply({"server_errors": 1, "malformed_json": {"count": "x"}})
    assert faults.take("server_errors", "fal") is None
    faults.apply({"server_errors": 3})
    faults.apply({"server_errors": 0})
    assert faults.take("server_errors", "fal") is None


def test_multipart_parser_matches_what_httpx_sends() -> None:
    request = httpx.Request(
        "POST",
        "http://x/",
        data={"prompt": "héllo", "seed": "3"},
        files={"image": ("a b.png", b"\x00\r\n--binary\r\n", "image/png")},
    )
    body = request.read()
    form = parse_form(body, request.headers["content-type"])
    assert form.fields == {"prompt": "héllo", "seed": "3"}
    [part] = form.files
    assert (part.field, part.filename, part.content_type) == ("image", "a b.png", "image/png")
    assert part.data == b"\x00\r\n--binary\r\n"
    with pytest.raises(FormDataError):
        parse_form(body[:-10], request.headers["content-type"])
    with pytest.raises(FormDataError):
        parse_form(body, "multipart/form-data")


def test_video_sizes() -> None:
    assert video_size(720, "16:9") == (1280, 720)
    assert video_size(1080, "9:16") == (1080, 1920)
    assert video_size(480, "1:1") == (480, 480)
    assert cap_video(1920, 1080, 640) == (640, 360)
    assert cap_video(832, 1104, 640) == (482, 640)
    assert cap_video(320, 240, 640) == (320, 240)
