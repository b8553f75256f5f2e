"""The desktop app: `studio` (or `python -m studio.app`) wires the QApplication, the
qasync loop, the Studio service and the main window; one instance per STUDIO_HOME."""

from studio.app.launch import DESKTOP_ID, main

__all__ = ["DESKTOP_ID", "main"]
