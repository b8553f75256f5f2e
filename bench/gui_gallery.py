"""Gallery: 10,000 outputs in the store; first thumbnails, scroll frames and memory.

Opens the real main window on the Gallery tab (offscreen) over a store of N distinct
1024 px JPEG outputs. Measures the time from show() until every thumbnail in the first
screen is painted, with a cold thumbnail cache and a warm one; then scrolls through the
grid row by row, timing each frame (scroll + event processing + a synchronous repaint),
and reads the process's resident memory.
Targets: first screen <= 0.5 s, scroll frame p95 <= 16 ms, RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def run(home: Path, frames: int) -> dict[str, float]:
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication

    from bench.common import pct
    from bench.gui_common import pump_until, rss_mb
    from studio.core.paths import StudioPaths
    from studio.core.service import Studio
    from studio.ui.main_window import MainWindow
    from studio.ui.session import Session

    app = QApplication.instance() or QApplication(sys.argv[:1])
    studio = Studio(StudioPaths.resolve(home), env={})
    session = Session(studio)
    window = MainWindow(session)
    window.tabs.setCurrentWidget(window.gallery)
    view, model, loader = window.gallery.view, window.gallery.model, window.loader

    def visible_rows() -> list[int]:
        rect: QRect = view.viewport().rect()
        rows = []
        for row in range(model.rowCount()):
            r = view.visualRect(model.index(row, 0))
            if r.top() > rect.bottom():
                break
            if r.intersects(rect):
                rows.append(row)
        return rows

    def screen_loaded() -> bool:
        rows = visible_rows()
        return bool(rows) and all(
            loader.pixmap(loader.thumb_key(model.asset_at(r)[0].sha256)) is not None
            for r in rows)

    start = time.perf_counter()
    window.show()
    first_screen = pump_until(screen_loaded, 30)
    # time.perf_counter() - start includes show(); pump_until measured after it.
    open_to_screen = time.perf_counter() - start
    n_visible = len(visible_rows())

    bar = view.verticalScrollBar()
    step = max(1, view.visualRect(model.index(0, 0)).height() // 2)
    frames_ms = []
    for _ in range(frames):
        t = time.perf_counter()
        bar.setValue(bar.value() + step)
        app.processEvents()
        view.viewport().repaint()
        frames_ms.append((time.perf_counter() - t) * 1000)
    rss = rss_mb()
    window.close()
    studio.store.close()
    del first_screen
    return {"open_s": open_to_screen, "visible": n_visible, "rows": model.rowCount(),
            "p50": pct(frames_ms, 0.5), "p95": pct(frames_ms, 0.95),
            "max": max(frames_ms), "rss": rss}


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--frames", type=int, default=400)
    ap.add_argument("--child", choices=["cold", "warm"], help=argparse.SUPPRESS)
    ap.add_argument("--home", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        r = run(Path(args.home), args.frames)
        print(" ".join(f"{k}={v}" for k, v in r.items()), flush=True)
        return r
    import subprocess

    from bench.gallery_data import fresh_copy, gallery_home

    t = time.perf_counter()
    src = gallery_home(args.items)
    made = time.perf_counter() - t
    results = {}
    with tempfile.TemporaryDirectory() as d:
        # Cold: no thumbnails on disk. Warm: the cold run's thumbnails, a second opening.
        home = fresh_copy(src, Path(d) / "home", keep_thumbs=False)
        for label in ("cold", "warm"):
            out = subprocess.run([sys.executable, "-m", "bench.gui_gallery", "--child", label,
                                  "--home", str(home), "--frames", str(args.frames)],
                                 capture_output=True, text=True, check=True).stdout
            results[label] = {k: float(v) for k, v in
                              (p.split("=") for p in out.strip().splitlines()[-1].split())}
    print(f"gui_gallery: {args.items} outputs in the store (dataset ready in {made:.1f} s)")
    for label, r in results.items():
        print(f"  {label} thumbnail cache: first screen ({r['visible']:.0f} thumbnails) in "
              f"{r['open_s'] * 1000:.0f} ms; scroll frames p50 {r['p50']:.1f} ms, "
              f"p95 {r['p95']:.1f} ms, max {r['max']:.1f} ms; RSS {r['rss']:.0f} MB")
    print("  targets: first screen <= 500 ms, p95 <= 16 ms, RSS < 300 MB")
    return {"cold_open_s": results["cold"]["open_s"], "warm_open_s": results["warm"]["open_s"],
            "p95_ms": max(r["p95"] for r in results.values()),
            "rss_mb": max(r["rss"] for r in results.values())}


if __name__ == "__main__":
    main()
