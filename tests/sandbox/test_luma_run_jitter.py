"""run_jitter: each job's run time varies by a seeded random factor in [1 - j, 1 + j].

Shown on Luma generations (added with it) and on fal's reported inference time; the option
applies to every provider's jobs.
"""

from __future__ import annotations

import time

import httpx
import pytest
from sandbox_helpers import advance, freeze

from studio.sandbox import SandboxConfig, create_app, spawn_sandbox_process
from studio.sandbox.__main__ import main

RAY = {"model": "ray-flash-2", "prompt": "waves"}
AUTH = {"Authorization": "Bearer luma-test"}


def run_times(config: SandboxConfig, count: int) -> list[float]:
    state = create_app(config).state.sandbox
    return [state.timing().run_seconds for _ in range(count)]


def test_run_times_vary_within_the_band_and_repeat_with_the_seed() -> None:
    config = SandboxConfig(run_seconds=2.0, run_jitter=0.25, jitter_seed=11)
    times = run_times(config, 200)
    assert all(1.5 <= t <= 2.5 for t in times)
    assert min(times) < 1.6 and max(times) > 2.4  # the whole band is used
    assert run_times(config, 200) == times
    assert run_times(SandboxConfig(run_seconds=2.0, run_jitter=0.25, jitter_seed=12), 200) != times
    assert set(run_times(SandboxConfig(run_seconds=2.0), 5)) == {2.0}


def test_reset_restarts_the_sequence() -> None:
    state = create_app(SandboxConfig(run_jitter=0.5, jitter_seed=3)).state.sandbox
    first = [state.timing().run_seconds for _ in range(3)]
    state.reset()
    assert [state.timing().run_seconds for _ in range(3)] == first


@pytest.mark.parametrize("jitter", [-0.1, 1.5])
def test_out_of_range_jitter_is_refused(jitter: float, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(ValueError, match="run_jitter"):
        SandboxConfig(run_jitter=jitter)
    with pytest.raises(SystemExit) as info:
        main(["--run-jitter", str(jitter)])
    assert info.value.code == 2
    assert "run_jitter must be between 0 and 1" in capsys.readouterr().err


def test_jitter_fault_spreads_luma_finish_times(sandbox, admin: httpx.Client) -> None:
    freeze(admin)
    assert admin.post("/faults", json={"run_jitter": 3}).status_code == 400
    report = admin.post("/faults", json={"queue_seconds": 0, "run_seconds": 1.0,
                                         "run_jitter": 0.5}).json()
    assert report["run_jitter"] == 0.5
    ids = [httpx.post(f"{sandbox.url}/luma/generations/video", json=RAY, headers=AUTH).json()["id"]
           for _ in range(12)]

    def states() -> list[str]:
        return [httpx.get(f"{sandbox.url}/luma/generations/{i}", headers=AUTH).json()["state"]
                for i in ids]

    advance(admin, 0.49)
    assert set(states()) == {"dreaming"}  # nothing runs shorter than 0.5 s
    advance(admin, 0.51)
    halfway = states()
    assert "completed" in halfway and "dreaming" in halfway
    advance(admin, 0.5)
    assert set(states()) == {"completed"}  # nothing runs longer than 1.5 s
    admin.post("/faults", json={"run_jitter": None})
    assert "run_jitter" not in admin.get("/faults").json()


def test_spawned_sandbox_takes_the_jitter_flag() -> None:
    process, url = spawn_sandbox_process(queue_seconds=0, run_seconds=0.2, run_jitter=0.5,
                                         jitter_seed=5)
    try:
        headers = {"Authorization": "Key k"}
        jobs = [httpx.post(f"{url}/fal/fal-ai/flux/schnell", json={"prompt": "x"},
                           headers=headers).json() for _ in range(4)]
        time.sleep(0.35)
        inference = [httpx.get(job["status_url"], headers=headers).json()["metrics"][
            "inference_time"] for job in jobs]
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert all(0.1 <= t <= 0.3 for t in inference)
    assert len(set(inference)) == 4
