"""When the studio cannot start (a damaged studio.db, a settings file or home folder it may
not read or write): say which file and what to do in a dialog, never a traceback. A damaged
database can be set aside from the dialog (kept as studio.db.bad, numbered), after which
the app starts with a fresh one.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from studio.core.set_aside import bad_name, set_aside_database
from studio.core.store_errors import StoreDamaged

# What Studio() raises for a home it cannot use (anything else is a bug, shown as one).
STARTUP_ERRORS: tuple[type[BaseException], ...] = (OSError, ValueError, RuntimeError)


def describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}. Check its permissions, or start with " \
               "--home pointing to another folder."
    return str(exc)


async def ask_what_to_do(window, exc: BaseException, quit_after: float | None = None) -> bool:
    """Show why the studio cannot start. True when the user set a damaged database aside
    (start again), False to quit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    text = describe(exc)
    print(f"studio: {text}", file=sys.stderr, flush=True)
    box = QMessageBox(QMessageBox.Icon.Critical, "Provider Studio cannot start", text,
                      QMessageBox.StandardButton.Close, window)
    box.setObjectName("startupError")
    set_aside = None
    if isinstance(exc, StoreDamaged) and exc.path.is_file():
        set_aside = box.addButton(f"Keep it as {bad_name(exc.path).name} and start fresh",
                                  QMessageBox.ButtonRole.AcceptRole)
    done = asyncio.get_running_loop().create_future()

    def settle(_result: int) -> None:
        if not done.done():
            done.set_result(box.clickedButton())

    box.finished.connect(settle)
    box.open()  # never exec(): a nested loop inside the async loop fails
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), box.reject)
    clicked = await done
    if set_aside is not None and clicked is set_aside:
        assert isinstance(exc, StoreDamaged)
        moved = set_aside_database(Path(exc.path))
        print(f"studio: the damaged database was kept as {moved}", file=sys.stderr)
        return True
    return False
