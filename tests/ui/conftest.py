"""GUI fixtures: an isolated Studio, an in-memory keyring, and a qasync loop that pytest-qt
drives. Coroutines advance whenever Qt spins (waitUntil, waitSignal); the loop is never
stopped (loop.stop() would quit the QApplication for every later test)."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PIL import Image

from studio.core.jobs import Asset, Job, JobStatus, new_job_id
from studio.core.paths import StudioPaths
from studio.core.service import Studio
from tests.conftest import MemoryKeyring, sandbox_admin

UI_KEY = "ui-test-key-9c1d7e5b3a2f4d6c8b0a"


@pytest.fixture
def ui_keyring(memory_keyring: MemoryKeyring) -> MemoryKeyring:
    """The shared in-memory keyring (tests/conftest.py), under the UI tests' name."""
    return memory_keyring


@pytest.fixture
def loop(qapp) -> Iterator[qasync.QEventLoop]:
    from studio.ui.widgets.theme import apply_theme

    apply_theme(qapp, dark=False)
    loop = qasync.QEventLoop(qapp, already_running=True)
    executor = qasync.QThreadExecutor(4)  # ours, so teardown can join its threads
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        drain(qapp, loop)
        executor.shutdown(wait=True)
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


def drain(qapp, loop, timeout: float = 10.0) -> None:
    """Cancel what is left and spin Qt until those tasks have finished."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    deadline = time.monotonic() + timeout
    while any(not t.done() for t in tasks) and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.002)


def run(qtbot, coro, timeout: int = 10_000):
    """Run a coroutine on the qasync loop while pytest-qt spins Qt; return its result."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


@pytest.fixture
def studio(tmp_path: Path, ui_keyring, loop, qapp) -> Iterator[Studio]:
    s = Studio(StudioPaths.resolve(tmp_path / "home"), env={})
    yield s
    task = asyncio.ensure_future(s.aclose())
    deadline = time.monotonic() + 10
    while not task.done() and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.002)


@pytest.fixture
def session(studio):
    from studio.ui.session import Session

    s = Session(studio)
    yield s
    s.detach()


@pytest.fixture
def window(session, qtbot):
    yield from open_window(session, qtbot)


def open_window(session, qtbot):
    from studio.ui.main_window import MainWindow

    w = MainWindow(session)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()  # window shortcuts (Ctrl+Return, F5...) need the active window
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    yield w
    if w.settings_dialog is not None:
        w.settings_dialog.close()
    w.close()


def enable_flags(studio: Studio, image: bool = True, video: bool = False) -> None:
    s = studio.settings.model_copy(deep=True)
    s.features.enable_public_image_providers = image
    s.features.enable_public_video_providers = video
    studio.update_settings(s)


def make_png(path: Path, color: tuple[int, int, int], size=(96, 64)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def make_mp4(path: Path, color=(20, 120, 220), frames: int = 24) -> Path:
    import av
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        for _ in range(frames):
            data = np.zeros((96, 160, 3), dtype=np.uint8)
            data[:] = color
            for packet in stream.encode(av.VideoFrame.from_ndarray(data, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def add_output(studio: Studio, *, provider: str = "fal", model: str = "fal-ai/flux/dev",
               prompt: str = "a red fox", color=(200, 40, 40), rating: int | None = None,
               created_at: float | None = None, provenance: bool = True,
               video: bool = False, sandbox: bool = False) -> Asset:
    """A finished job with one real PNG (or MP4) output, written through the store API."""
    job = Job(id=new_job_id(), provider=provider, model=model, mode="txt2img", prompt=prompt,
              request={"provider": provider, "model": model, "prompt": prompt,
                       "negative_prompt": None, "seed": 7, "params": {"num_images": 1},
                       "input_images": []},
              dry_run=False, created_at=created_at or time.time(), sandbox=sandbox)
    studio.store.create_job(job)
    studio.store.update_job(job.id, status=JobStatus.QUEUED)
    studio.store.update_job(job.id, status=JobStatus.SUBMITTING)
    studio.store.update_job(job.id, status=JobStatus.SUBMITTED,
                            remote={"remote_id": "remote-" + job.id, "urls": {}},
                            submitted_at=time.time(),
                            prepared={"method": "POST", "url": f"https://x/{model}",
                                      "headers": {"Authorization": "Key ***"},
                                      "body": {"prompt": prompt}})
    job = studio.store.update_job(job.id, status=JobStatus.SUCCEEDED, seed=7,
                                  finished_at=time.time(),
                                  estimate={"usd": 0.02, "credits": None, "approximate": True,
                                            "basis": "test"})
    folder = studio.paths.assets_dir / job.id
    path = make_mp4(folder / "00.mp4", color) if video else make_png(folder / "00.png", color)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    asset = Asset(id=uuid.uuid4().hex[:16], job_id=job.id, path=str(path), sha256=sha,
                  media_type="video/mp4" if video else "image/png", bytes=len(data),
                  width=160 if video else 96, height=96 if video else 64,
                  duration_seconds=2.0 if video else None,
                  created_at=created_at or time.time(), rating=rating)
    if provenance:
        from studio.core.provenance import build_record

        asset.provenance = build_record(job, asset, provider)
    return studio.store.add_asset(asset)


@pytest.fixture(scope="session")
def ui_sandbox():
    """One fast local emulator for the GUI tests (fault/timing overrides reset per test)."""
    from studio.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(queue_seconds=0.1, run_seconds=0.4)) as server:
        sandbox_admin().delete(f"{server.url}/_sandbox/faults")
        yield server


@pytest.fixture
def live_studio(tmp_path: Path, ui_keyring, loop, qapp, ui_sandbox) -> Iterator[Studio]:
    """A Studio that talks to the sandbox with the image flag on: jobs run live."""
    sandbox_admin().delete(f"{ui_sandbox.url}/_sandbox/faults")
    s = Studio(StudioPaths.resolve(tmp_path / "home"), env={}, sandbox_url=ui_sandbox.url)
    enable_flags(s)
    yield s
    task = asyncio.ensure_future(s.aclose())
    deadline = time.monotonic() + 10
    while not task.done() and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.002)
    sandbox_admin().delete(f"{ui_sandbox.url}/_sandbox/faults")
