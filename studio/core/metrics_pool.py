"""Measuring in one low-priority child process instead of a thread of the app's own.

A measuring thread shares the app's process with the GUI thread: on a busy machine its
numpy and FFmpeg work competes with the event loop for the interpreter and the cores
(bench/RESULTS.md, gui_responsiveness with metrics on). One child process, started on the
first output and shared by every `Studio` in the process, measures instead; the caller's
thread only waits. The child is `spawn`ed (never forked from a process with Qt and
threads), runs at a lower priority, and is replaced if it dies; if no child can be started
(a sandbox forbidding processes, a frozen app without `freeze_support`), measuring falls
back to the calling thread and says so once in the log.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studio.core.metrics import Expected, Measurement

log = logging.getLogger(__name__)

NICENESS = 15  # how much lower than the app the measuring process runs

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_unavailable = False


def measure_elsewhere(path: Path | str, expected: Expected | None) -> Measurement:
    """`studio.core.metrics.measure` in the measuring process (blocking), or here when no
    process can be had. Raises what `measure` raises (a `MetricsError`)."""
    from studio.core.metrics import measure

    for _attempt in range(2):  # a child that died (killed, out of memory) is replaced once
        pool = _get_pool()
        if pool is None:
            break
        try:
            return pool.submit(_measure, str(path), expected).result()
        except BrokenProcessPool:
            log.warning("metrics.process_died path=%s", Path(path).name)
            _discard(pool)
    return measure(path, expected=expected)


def child_pid() -> int | None:
    """The measuring process's id while one runs (for tests and diagnostics)."""
    pool = _pool
    processes = getattr(pool, "_processes", None) or {}
    return next(iter(processes), None)


def shutdown() -> None:
    """Stop the measuring process (at exit; tests)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _get_pool() -> ProcessPoolExecutor | None:
    global _pool, _unavailable
    with _lock:
        if _pool is not None or _unavailable:
            return _pool
        try:
            _pool = ProcessPoolExecutor(max_workers=1,
                                        mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_child_started)
        except (OSError, NotImplementedError, ValueError) as exc:
            _unavailable = True
            log.warning("metrics.no_process reason=%s: measuring in a thread", exc)
        return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)


def _child_started() -> None:
    # Ctrl+C in a terminal reaches the whole process group: the app decides, not the child.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(AttributeError, OSError):
        os.nice(NICENESS)


def _measure(path: str, expected: Expected | None) -> Measurement:
    from studio.core.metrics import measure

    return measure(path, expected=expected)


atexit.register(shutdown)
