"""The baseline for gui_startup: a bare PySide6 QMainWindow, timed the same way."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from studio.ui.first_paint import FirstPaintProbe


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QLabel("bare"))
    window.resize(1440, 900)

    def report() -> None:
        print(f"FIRST_PAINT {time.time():.6f}", flush=True)
        print(f"PAINT_CPU {time.process_time():.4f}", flush=True)  # CPU since start
        QTimer.singleShot(200, window.close)

    FirstPaintProbe(window, report)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
