"""Start-up A/B: two checkouts of the app launched alternately, the same minutes, offscreen.

    python -m bench.startup_ab BEFORE_TREE AFTER_TREE [--runs 11]

Each tree runs as `python -m studio.app` with its own directory as the working directory
(which `-m` puts first on sys.path) and its own empty STUDIO_HOME, a bare window before
each pair (bench.gui_startup's markers and its baseline). PYTHONDONTWRITEBYTECODE is
cleared and each tree is launched once untimed, so both run from cached bytecode: a tree
that compiles its modules on every launch looks ~150 ms slower than it is.
Not in `python -m bench` (it needs two trees); make one with `git worktree add`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import median

MARKS = ("FIRST_PAINT", "READY")


def launch(tree: Path, home: str, module: str, *args: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(QT_QPA_PLATFORM=env.get("QT_QPA_PLATFORM", "offscreen"),
               STUDIO_STARTUP_PROBE="1", STUDIO_HOME=home, PYTHONPATH=str(tree))
    start = time.time()
    out = subprocess.run([sys.executable, "-m", module, *args], cwd=tree, env=env,
                         capture_output=True, text=True, timeout=120)
    marks: dict[str, float] = {}
    for line in out.stdout.splitlines():
        name, _, value = line.partition(" ")
        if name in MARKS:
            marks[name] = float(value) - start
        elif name in ("READY_CPU", "PAINT_CPU"):
            marks[name] = float(value)
    if "FIRST_PAINT" not in marks:
        raise RuntimeError(f"{tree}: {module} never painted (exit {out.returncode}): "
                           f"{out.stderr[-400:]}")
    return marks


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--sandbox", action="store_true", help="launch both as `studio --sandbox`")
    args = ap.parse_args(argv)
    app_args = ["--sandbox"] if args.sandbox else []
    trees = [args.before.resolve(), args.after.resolve()]
    homes = {tree: tempfile.mkdtemp(prefix="studio-ab-") for tree in trees}
    for tree in trees:  # untimed: writes the bytecode, warms the file cache
        launch(tree, homes[tree], "studio.app", *app_args)
    bare: list[float] = []
    runs: dict[Path, list[dict[str, float]]] = {tree: [] for tree in trees}
    for _ in range(args.runs):
        bare.append(launch(trees[1], homes[trees[1]], "bench.bare_window")["FIRST_PAINT"])
        for tree in trees:
            runs[tree].append(launch(tree, homes[tree], "studio.app", *app_args))
    b = median(bare)
    print(f"startup_ab: {args.runs} alternating launches each, offscreen"
          f"{', --sandbox' if args.sandbox else ''}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"  bare QMainWindow: median {b * 1000:.0f} ms")
    result = {"bare_s": b}
    for label, tree in zip(("before", "after"), trees, strict=True):
        ready = [m["READY"] for m in runs[tree]]
        paint = median([m["FIRST_PAINT"] for m in runs[tree]])
        cpu = median([m["READY_CPU"] for m in runs[tree]])
        r = median(ready)
        print(f"  {label} ({tree}): painted {paint * 1000:.0f} ms, filled in median "
              f"{r * 1000:.0f} ms = {r / b:.2f}x bare, CPU {cpu:.3f} s  "
              f"{[round(x * 1000) for x in ready]}")
        result[f"{label}_ready_s"] = r
    return result


if __name__ == "__main__":
    main()
