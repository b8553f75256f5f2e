"""Quality metrics: time per 1024 px image and per 5 s 720p clip, and what they cost the GUI.

Files come from the sandbox renderer (a 1024x1024 PNG and JPEG, a 5 s 1280x720 24 fps
H.264 clip). Each is measured `--runs` times after one warm-up; the median is reported.
Then a 10 ms Qt PreciseTimer heartbeat on the main thread records its lateness: idle, while
a worker thread measures the clip and an image in a loop (as the GUI will: a GIL held by
Python code would show up as late ticks), and while a worker process does the same (no
shared GIL: what is left is competition for the CPU cores).
Targets: < 150 ms per image, < real time per clip, heartbeat unchanged while measuring.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.common import median, pct
from studio.core.metrics import measure


def make_files(folder: Path) -> dict[str, Path]:
    from studio.sandbox.render import render_image, render_mp4

    files = {
        "image_png": ("bench.png", render_image("a lighthouse at dusk", 7, 1024, 1024, "png")),
        "image_jpeg": ("bench.jpg", render_image("a lighthouse at dusk", 7, 1024, 1024,
                                                 "jpeg")),
        "clip_720p_5s": ("bench.mp4", render_mp4("a lighthouse at dusk", 7, 1280, 720, 5.0,
                                                 fps=24)),
    }
    paths = {}
    for key, (name, data) in files.items():
        paths[key] = folder / name
        paths[key].write_bytes(data)
    return paths


def time_measure(path: Path, runs: int) -> list[float]:
    measure(path)  # warm-up: imports, OpenCV's first-call setup
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        measure(path)
        times.append(time.perf_counter() - start)
    return times


def heartbeat(seconds: float, work: list[Path] | None,
              in_process: bool = False) -> tuple[list[float], int]:
    """Lateness (ms) of a 10 ms PreciseTimer for `seconds`, with `work` measured meanwhile
    by a worker thread (or a worker process); returns the lateness list and how many files
    were measured."""
    from concurrent.futures import ProcessPoolExecutor

    from PySide6.QtCore import QCoreApplication, Qt, QTimer

    app = QCoreApplication.instance() or QCoreApplication([])
    late: list[float] = []
    done = threading.Event()
    measured = [0]

    pool = ProcessPoolExecutor(1) if in_process else None
    if pool:
        pool.submit(measure, work[0]).result()  # start-up and imports happen before timing

    def worker() -> None:
        while not done.is_set():
            for path in work or []:
                if done.is_set():
                    break
                if pool:
                    pool.submit(measure, path).result()
                else:
                    measure(path)
                measured[0] += 1

    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        late.append(max(0.0, (now - last[0]) * 1000 - 10))
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(10)
    timer.timeout.connect(tick)
    thread = threading.Thread(target=worker, daemon=True) if work else None
    QTimer.singleShot(int(seconds * 1000), app.quit)
    last[0] = time.perf_counter()
    timer.start()
    if thread:
        thread.start()
    app.exec()
    timer.stop()
    done.set()
    if thread:
        thread.join()
    if pool:
        pool.shutdown()
    return late, measured[0]


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--heartbeat-seconds", type=float, default=8.0)
    args = ap.parse_args(argv)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="studio-bench-metrics-") as folder:
        paths = make_files(Path(folder))
        print(f"metrics: median of {args.runs} runs after a warm-up")
        for key, path in paths.items():
            times = time_measure(path, args.runs)
            results[key] = median(times)
            print(f"  {key:14s} median {median(times) * 1000:7.1f} ms   "
                  f"min {min(times) * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms")
        clip = results["clip_720p_5s"]
        print(f"  clip: {clip / 5.0:.2f}x real time (target < 1.0x); image target < 150 ms")
        work = [paths["clip_720p_5s"], paths["image_png"]]
        for label, key, files, in_process in (("idle", "idle", None, False),
                                              ("measuring in a thread", "thread", work, False),
                                              ("measuring in a process", "process", work, True)):
            late, count = heartbeat(args.heartbeat_seconds, files, in_process)
            print(f"  heartbeat {label:23s} lateness p50 {pct(late, 0.5):5.1f} ms   "
                  f"p95 {pct(late, 0.95):5.1f} ms   p99 {pct(late, 0.99):5.1f} ms   "
                  f"max {max(late):6.1f} ms   ({count} files measured)")
            results[f"heartbeat_p99_{key}"] = pct(late, 0.99)
            results[f"heartbeat_max_{key}"] = max(late)
    return results


if __name__ == "__main__":
    main()
