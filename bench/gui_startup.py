"""Start-up: time from process start to the main window's first paint, Studio vs bare Qt.

Each run is a fresh process (`python -m studio.app` with an empty STUDIO_HOME, and a bare
PySide6 QMainWindow), alternating, offscreen. Targets: the window on screen <= 1.5x the
bare window; the window usable (catalog, forms, queue, gallery filled in) <= 3x (issue 16).
The CPU the process has used by then (all threads) is printed beside the wall times.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench.common import median, temp_home


def launch(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from spawn to each marker the process prints (FIRST_PAINT, READY)."""
    start = time.time()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    marks: dict[str, float] = {}
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            name, _, value = line.partition(" ")
            if name in ("FIRST_PAINT", "READY"):
                marks[name] = float(value) - start
            elif name in ("PAINT_CPU", "READY_CPU"):  # the process's CPU seconds then
                marks[name] = float(value)
        if "FIRST_PAINT" not in marks:
            raise RuntimeError(f"{command} never painted (exit {proc.wait()})")
        return marks
    finally:
        proc.wait(20)


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "STUDIO_STARTUP_PROBE": "1"}
    bare, studio, ready = [], [], []
    bare_cpu, ready_cpu = [], []
    bare_cmd = [sys.executable, "-m", "bench.bare_window"]
    app_cmd = [sys.executable, "-m", "studio.app"]
    # One untimed run each warms the OS file cache, as a second launch would be.
    with temp_home() as home:
        env["STUDIO_HOME"] = home
        launch(bare_cmd, env)
        launch(app_cmd, env)
        for _ in range(args.runs):
            marks = launch(bare_cmd, env)
            bare.append(marks["FIRST_PAINT"])
            bare_cpu.append(marks["PAINT_CPU"])
            marks = launch(app_cmd, env)
            studio.append(marks["FIRST_PAINT"])
            ready.append(marks["READY"])
            ready_cpu.append(marks["READY_CPU"])
    b, s, r = median(bare), median(studio), median(ready)

    def ms(values: list[float]) -> list[int]:
        return [round(x * 1000) for x in values]

    print(f"gui_startup: {args.runs} alternating runs each, offscreen, spawn to first paint")
    print(f"  bare QMainWindow:           median {b * 1000:.0f} ms  {ms(bare)}")
    print(f"  Provider Studio window:     median {s * 1000:.0f} ms  {ms(studio)}")
    print(f"  ratio: {s / b:.2f}  (target <= 1.5)")
    print(f"  Provider Studio filled in (catalog, forms, queue, gallery ready): "
          f"median {r * 1000:.0f} ms  {ms(ready)}")
    print(f"  ratio filled in: {r / b:.2f}  (target <= 3)")
    bc, rc = median(bare_cpu), median(ready_cpu)
    print(f"  CPU (all threads): bare window at first paint {bc:.3f} s, Provider Studio "
          f"filled in {rc:.3f} s ({rc / bc:.2f}x); load average {os.getloadavg()[0]:.1f}")
    return {"bare_s": b, "studio_s": s, "ratio": s / b, "ready_s": r, "ready_ratio": r / b,
            "bare_cpu_s": bc, "ready_cpu_s": rc}


if __name__ == "__main__":
    main()
