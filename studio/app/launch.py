"""`studio`: the desktop app. QApplication + qasync loop + the Studio service.

The main coroutine shows the window, resumes unfinished jobs, then waits until the window
closes (or the app is asked to quit) and closes the service while the loop still runs.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from studio import __version__
from studio.process_start import collector_paused, skip_httpx_cli, skip_pydantic_plugins

if TYPE_CHECKING:
    from studio.app.pyside_import_hook import Answers
    from studio.code_cache import CodeCache
    from studio.core.keyring_choice import KeyringChoice
    from studio.core.paths import StudioPaths
    from studio.core.service import Studio
    from studio.sandbox.process import SandboxLaunch
    from studio.ui.session import Session

DESKTOP_ID = "io.github.providerstudio.ProviderStudio"  # resources/linux/


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="studio", description="Provider Studio: audition image and video generation "
        "providers side by side (dry-run until you enable them).")
    p.add_argument("--version", action="version", version=f"studio {__version__}")
    p.add_argument("--sandbox", action="store_true",
                   help="start the local provider emulator and send every call to it")
    p.add_argument("--home", metavar="PATH",
                   help="keep settings, data and logs under PATH (sets STUDIO_HOME)")
    # Start, show the window, close it after N seconds: for smoke tests of the packaging.
    p.add_argument("--quit-after", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args, qt_args = _parser().parse_known_args(argv)
    if args.home:
        os.environ["STUDIO_HOME"] = str(Path(args.home).expanduser().resolve())
    # No collection until the warm-up settles the heap (settle_heap): start-up's ~180
    # collections only walked objects that live on. Turning the collector on once the
    # window is filled in would only move the cost there (the first young collection then
    # walks everything made so far); it comes back on on any other way out. The code
    # dataclasses and typing generate comes compiled from the last start (~55 ms;
    # studio.code_cache), and what is new is kept on the way out.
    # PySide's import hook answers from what the last start read (pyside_import_hook).
    from studio.app.pyside_import_hook import remembered_answers
    from studio.code_cache import cached_generated_code
    from studio.core.paths import StudioPaths

    paths = StudioPaths.resolve()
    with collector_paused(), cached_generated_code(paths.code_cache_file) as code, \
            remembered_answers(paths.pyside_answers_file) as answers:
        return _main(args, qt_args, argv, paths, answers, code)


def _main(args: argparse.Namespace, qt_args: list[str], argv: list[str] | None,
          paths: StudioPaths, answers: Answers, code: CodeCache) -> int:
    skip_pydantic_plugins()
    sandbox = None
    if args.sandbox:  # first: it comes up on the other core while the window is built
        from studio.sandbox.process import start_sandbox_process

        sandbox = start_sandbox_process()
    try:
        return _start(args, qt_args, argv, paths, sandbox, answers, code)
    finally:
        if sandbox is not None:
            sandbox.stop()


def _start(args: argparse.Namespace, qt_args: list[str], argv: list[str] | None,
           paths: StudioPaths, sandbox: SandboxLaunch | None, answers: Answers,
           code: CodeCache) -> int:
    # PySide compiles its support modules from source as it loads (studio.code_cache).
    with code.compiling():
        import PySide6  # noqa: F401 (installs PySide's import hook, made cheap below)

    from studio.app import pyside_import_hook
    pyside_import_hook.cheapen(answers)
    from PySide6.QtWidgets import QApplication

    from studio.app.instance_lock import InstanceLock, instance_name

    if QApplication.instance() is None:
        use_exact_scale()
    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    if not isinstance(app, QApplication):  # a real check: asserts vanish under python -O
        raise RuntimeError("a non-GUI Qt application is already running in this process")
    app.setApplicationName("Provider Studio")
    app.setOrganizationName("provider-studio")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(DESKTOP_ID)  # matches the .desktop file and its icon
    # Before anything opens the database: a second launch for this home hands over.
    lock = InstanceLock(instance_name(paths.data_dir))
    if not lock.acquire():
        return _hand_over(app, lock.name, sys.argv[1:] if argv is None else argv)
    return _show_and_run(app, args, lock, paths, sandbox)


def _show_and_run(app, args: argparse.Namespace, lock, paths,
                  sandbox: SandboxLaunch | None) -> int:
    from studio.ui.main_window import MainWindow
    from studio.ui.widgets import (
        app_icon,
        apply_theme,
        follow_system_scheme,
        register_bundled_fonts,
        set_theme_preference,
    )

    app.setQuitOnLastWindowClosed(False)  # the main coroutine decides when to stop
    register_bundled_fonts(app)  # only when the system has no fonts at all
    app.setWindowIcon(app_icon())
    set_theme_preference(saved_theme(paths.config_dir))
    apply_theme(app)
    follow_system_scheme(app)
    # The frame goes on screen first; the service and the widgets fill it in afterwards.
    window = MainWindow(config_dir=paths.config_dir)
    if os.environ.get("STUDIO_STARTUP_PROBE"):
        _probe_first_paint(window)
    window.show()
    app.processEvents()
    from studio.app.single_instance import SingleInstance, bring_to_front

    instance = SingleInstance(lock.name, app, owner=lock)
    instance.activated.connect(lambda _argv: bring_to_front(window))

    import qasync

    try:
        # Listening waits until the window is filled in (Qt's network module: ~7 ms of
        # start-up); a second launch meanwhile keeps trying for 5 s, as it does while
        # the first one starts (single_instance.SingleInstance.notify).
        return qasync.run(_run(app, window, paths, sandbox, args.quit_after,
                               instance.listen))
    finally:
        instance.release()


async def _run(app, window, paths: StudioPaths, sandbox: SandboxLaunch | None,
               quit_after: float | None = None,
               listen: Callable[[], None] = lambda: None) -> int:
    import asyncio
    import logging

    log = logging.getLogger(__name__)
    skip_httpx_cli()  # before the service imports httpx
    from PySide6.QtCore import QTimer

    from studio.app.startup_error import STARTUP_ERRORS, ask_what_to_do
    from studio.core import logsetup
    from studio.core.keyring_choice import KeyringChoice
    from studio.core.service import Studio
    from studio.ui.session import Session

    # The keyring backend the last start used, unless what decides it changed
    # (core.keyring_choice: keyring's own search is ~25 ms); confirmed after start-up.
    keyrings = KeyringChoice(paths.keyring_choice_file)
    remembered = keyrings.remembered()
    if remembered is not None:
        import keyring

        keyring.set_keyring(remembered)
    sandbox_url = None
    if sandbox is not None:
        from studio.sandbox.process import SandboxStartError

        try:
            sandbox_url = sandbox.url()  # started before the window: usually up by now
        except SandboxStartError as exc:  # said in a dialog and on stderr, then quit
            listen()  # a second launch brings the dialog's window forward
            await ask_what_to_do(window, SandboxStartError(f"the sandbox did not start: {exc}"),
                                 quit_after)
            return 1
    while True:
        try:
            studio = Studio(sandbox_url=sandbox_url)
            break
        except STARTUP_ERRORS as exc:  # a home it cannot use: say so, never a traceback
            listen()
            if not await ask_what_to_do(window, exc, quit_after):
                return 2
    logsetup.configure(studio.paths, studio.redactor)
    log.info("app.start version=%s sandbox=%s", __version__, bool(sandbox_url))
    session = Session(studio)
    stop = asyncio.Event()
    window.closed.connect(stop.set)
    app.aboutToQuit.connect(stop.set)
    window.attach(session)
    # Import what the first download needs (Pillow, PyAV, httpcore's backend) in a worker
    # thread now rather than on the GUI thread mid-run; then settle the heap.
    warm_up = asyncio.ensure_future(_warm_up(lambda: _confirm_keyring(keyrings, studio,
                                                                      session)))
    if os.environ.get("STUDIO_STARTUP_PROBE"):
        print(f"READY {time.time():.6f}", flush=True)
        print(f"READY_CPU {time.process_time():.4f}", flush=True)  # CPU since start
        QTimer.singleShot(300, window.close)
    listen()  # later launches for this home now bring this window to the front
    window.show_startup_messages()
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), window.close)
    try:
        resumed = await studio.resume()
        if resumed:
            window.toasts.show("info", f"Resumed {len(resumed)} unfinished job(s).")
        studio.resume_storyboards()  # storyboards cut off mid-run carry on
        session.sync_api()  # the automation API, if Settings has it on
        await stop.wait()
    finally:
        await asyncio.wait({warm_up})
        await session.close()
        await studio.aclose()
        log.info("app.stop")
    return 0


async def _warm_up(then: Callable[[], Awaitable[None]] | None = None) -> None:
    import asyncio

    try:
        await asyncio.get_running_loop().run_in_executor(None, _warm_imports)
        if then is not None:
            await then()
    finally:
        settle_heap()


async def _confirm_keyring(keyrings: KeyringChoice, studio: Studio, session: Session) -> None:
    """keyring's own search for its backend, off the GUI thread now that the window is
    filled in: remembered for the next start, and used from now on if it is not the
    backend the start-up took from the last one (the keys are read again)."""
    import asyncio
    import logging

    import keyring

    from studio.core.keyring_choice import backend_name

    found = await asyncio.get_running_loop().run_in_executor(None, keyrings.search)
    if found is None or backend_name(found) == backend_name(keyring.get_keyring()):
        return
    logging.getLogger(__name__).warning("keyring.changed to=%s", backend_name(found))
    keyring.set_keyring(found)
    studio.keyring_changed()
    session.reload_catalog()


def settle_heap() -> None:
    """Move everything start-up made out of the garbage collector's way: a full
    collection over the Qt, pydantic and provider objects otherwise pauses the GUI
    thread for 30-60 ms now and then (bench/gui_responsiveness.py). Then collect as usual
    again (`main` kept the collector off through start-up)."""
    gc.collect()
    gc.freeze()
    gc.enable()


def _hand_over(app, name: str, argv: list[str]) -> int:
    """Another instance holds this home: ask it to come to the front, then exit."""
    from studio.app.single_instance import InstanceNotResponding, SingleInstance

    try:
        SingleInstance(name, app).notify(argv)
    except InstanceNotResponding as exc:
        print(f"studio: {exc}", file=sys.stderr)
        return 1
    print("studio: Provider Studio is already running for this data folder; its window "
          "was brought to the front.", flush=True)
    return 0


def use_exact_scale() -> None:
    """HiDPI: follow the screen's scale exactly (150 % is 1.5, not rounded to 2), so the
    icons (drawn at the device pixel ratio: ui.widgets.painted_icon) and text stay sharp.
    Qt 6 always scales for high DPI; the rounding must be chosen before the app exists."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)


def saved_theme(config_dir: Path) -> str:
    """The theme from preferences.json (core.preferences), read with the standard library:
    the first frame paints before pydantic loads."""
    import json

    try:
        data = json.loads((config_dir / "preferences.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "system"
    theme = data.get("theme") if isinstance(data, dict) else None
    return theme if theme in ("system", "light", "dark") else "system"


def _warm_imports() -> None:
    """Modules the first live job would otherwise import on the GUI thread (measured by
    bench/gui_responsiveness.py: each was a 30-60 ms stall mid-run)."""
    import anyio._backends._asyncio  # noqa: F401 (httpcore's first request)
    import av  # noqa: F401
    import httpcore._backends.anyio  # noqa: F401
    import numpy  # noqa: F401 (masks, the first scoreboard fit, metrics; not on the start-up path)
    import websockets.asyncio.client  # noqa: F401 (ComfyUI progress)
    from PIL import Image, JpegImagePlugin, PngImagePlugin, WebPImagePlugin  # noqa: F401


def _probe_first_paint(window) -> None:
    """bench/gui_startup.py: print when the window first paints (READY comes later)."""
    from studio.ui.first_paint import FirstPaintProbe

    def report() -> None:
        print(f"FIRST_PAINT {time.time():.6f}", flush=True)

    FirstPaintProbe(window, report)
