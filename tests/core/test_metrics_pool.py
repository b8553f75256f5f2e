"""New outputs are measured in a separate, low-priority process: the same numbers as in
the app's own process, the same typed errors, and a dead child is replaced."""

from __future__ import annotations

import os
import signal
import time

import pytest

from studio.core import metrics_pool
from studio.core.metrics import Expected, NotMediaError, measure
from tests.core.metrics_media import save_png, scene


def test_a_file_is_measured_in_another_process_with_the_same_result(tmp_path):
    path = save_png(tmp_path / "scene.png", scene())
    expected = Expected(512, 384, None, None)
    here = measure(path, expected=expected)
    there = metrics_pool.measure_elsewhere(path, expected)
    pid = metrics_pool.child_pid()
    assert pid is not None and pid != os.getpid()
    assert there == here
    assert there.metrics["matches_expected"] is True
    # The child runs below the app's priority.
    assert os.getpriority(os.PRIO_PROCESS, pid) >= os.getpriority(os.PRIO_PROCESS, 0)


def test_a_file_that_cannot_be_measured_raises_the_same_typed_error(tmp_path):
    junk = tmp_path / "notes.png"
    junk.write_bytes(b"not a picture at all" * 10)
    with pytest.raises(NotMediaError) as caught:
        metrics_pool.measure_elsewhere(junk, None)
    assert caught.value.path == junk and "notes.png" in str(caught.value)


def test_a_killed_measuring_process_is_replaced(tmp_path):
    path = save_png(tmp_path / "scene.png", scene(seed=3))
    metrics_pool.measure_elsewhere(path, None)
    first = metrics_pool.child_pid()
    assert first is not None
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(first, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    result = metrics_pool.measure_elsewhere(path, None)
    assert result == measure(path)
    second = metrics_pool.child_pid()
    assert second is not None and second != first
