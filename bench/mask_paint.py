"""The mask editor on a 2048 px picture: how long one mouse move takes (the brush stroke
painted into the mask's QImage plus the repaint of what it touched), the end of a stroke
(its undo step), and the whole-mask tools.

    python -m bench mask_paint
"""

from __future__ import annotations

import math
import os
import statistics
import time

SIDE = 2048
MOVES = 200


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(len(values) * 0.95))]
    return f"p50 {statistics.median(values) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def main(argv: list[str]) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF, QSize
    from PySide6.QtGui import QColor, QPixmap
    from PySide6.QtWidgets import QApplication

    from studio.ui.mask.canvas import MaskView
    from studio.ui.mask.layer import MaskLayer

    app = QApplication.instance() or QApplication([])
    picture = QPixmap(SIDE, SIDE)
    picture.fill(QColor("#808080"))
    layer = MaskLayer(QSize(SIDE, SIDE))
    view = MaskView(layer, picture)
    view.resize(1000, 760)
    view.show()
    app.processEvents()
    print(f"mask_paint: {SIDE}x{SIDE} canvas, view 1000x760 (fitted), {MOVES} moves a stroke")
    for zoom, hardness, radius in ((None, 1.0, 32.0), (None, 0.5, 32.0), (None, 0.5, 128.0),
                                   (1.0, 0.5, 128.0)):
        if zoom is not None:  # 1:1, looking at the stroke: more screen pixels to repaint
            view.resetTransform()
            view.centerOn(QPointF(900, 700))
            app.processEvents()
        moves, ends = [], []
        for stroke in range(3):
            layer.begin_stroke()
            last = QPointF(200, 300 + stroke * 400)
            for i in range(MOVES):
                here = QPointF(200 + i * 8, 300 + stroke * 400 + 60 * math.sin(i / 9))
                start = time.perf_counter()
                layer.stroke(last, here, radius, hardness)
                app.processEvents()  # the view repaints what changed
                moves.append(time.perf_counter() - start)
                last = here
            start = time.perf_counter()
            layer.end_stroke()
            ends.append(time.perf_counter() - start)
        where = "1:1" if zoom else "fitted"
        print(f"  brush r={radius:g} hardness={hardness:g} ({where}): move {_ms(moves)}; "
              f"end of stroke (undo step) {_ms(ends)}")
    for name, action in (("invert", layer.invert), ("feather 8 px", lambda: layer.feather(8)),
                         ("undo", layer.undo.undo), ("save array", layer.array)):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            action()
            app.processEvents()
            times.append(time.perf_counter() - start)
        print(f"  {name}: {_ms(times)}")
    view.close()
