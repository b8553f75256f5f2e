"""`python -m studio.ui.screenshots OUT_DIR`: real screenshots from sandbox data.

Builds a temporary STUDIO_HOME, starts a SandboxServer, turns the flags on, sends a few
live jobs to fal's FLUX models (plus a video, a dry-run, a failure, a cancellation and one
left running), waits for them, then saves PNGs of every part of the window with grab().
Runs offscreen when no display is set.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def _faults(sandbox_url: str, spec: dict | None) -> None:
    """Set (or with None clear) the sandbox's fault switches through its admin route."""
    data = None if spec is None else json.dumps(spec).encode()
    request = urllib.request.Request(f"{sandbox_url}/_sandbox/faults", data=data,
                                     method="DELETE" if spec is None else "POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


async def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("timed out waiting for the sandbox jobs")
        await asyncio.sleep(0.05)


async def _make_jobs(studio, sandbox_url: str) -> dict[str, str]:
    from studio.core.jobs import JobStatus
    from studio.providers.base import RenderRequest

    def req(model: str, prompt: str, **params) -> RenderRequest:
        return RenderRequest(provider="fal", model=model, prompt=prompt, seed=1234,
                             params=params)

    live = [
        req("fal-ai/flux/dev", "a lighthouse on a cliff at dusk, oil painting"),
        req("fal-ai/flux/schnell", "a red fox curled up in fresh snow", num_images=2),
        req("fal-ai/flux-pro/v1.1", "isometric cozy reading nook, soft light"),
        req("fal-ai/flux/dev", "a paper boat on a rainy street, macro photo",
            image_size="portrait_4_3"),
        req("fal-ai/wan-t2v", "waves rolling onto a black sand beach", resolution="480p"),
    ]
    ids = {}
    for r in live:
        ids.setdefault("done", [])
        job = await studio.submit(r)
        ids["done"].append(job.id)
    await _wait_for(lambda: all(studio.job(i).status.terminal for i in ids["done"]),
                    timeout=60)
    _faults(sandbox_url, {"fail_next": {"count": 1, "message": "GPU out of memory"}})
    failed = await studio.submit(req("fal-ai/flux/schnell", "a glass city under the sea"))
    await _wait_for(lambda: studio.job(failed.id).status.terminal)
    _faults(sandbox_url, None)
    dry = await studio.submit(req("fal-ai/fast-sdxl", "a bonsai tree in a teacup"),
                              force_dry_run="preview only (screenshot)")
    _faults(sandbox_url, {"run_seconds": 600})
    cancelled = await studio.submit(req("fal-ai/flux/dev", "a snowy mountain village"))
    await _wait_for(lambda: studio.job(cancelled.id).status == JobStatus.RUNNING)
    await studio.cancel(cancelled.id)
    running = await studio.submit(req("fal-ai/flux-pro/v1.1-ultra",
                                      "an astronaut tending a greenhouse on mars"))
    await _wait_for(lambda: studio.job(running.id).status == JobStatus.RUNNING)
    studio.store.update_job(running.id, progress=0.42)
    return {"failed": failed.id, "dry": dry.id, "running": running.id}


async def _shoot(out: Path, sandbox_url: str) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from studio.core.service import Studio
    from studio.ui.main_window import MainWindow
    from studio.ui.session import Session
    from studio.ui.widgets import apply_theme

    app = QApplication.instance()
    studio = Studio(sandbox_url=sandbox_url)
    s = studio.settings.model_copy(deep=True)
    s.features.enable_public_image_providers = True
    s.features.enable_public_video_providers = True
    studio.update_settings(s)
    saved: list[Path] = []
    session = Session(studio)  # replaced after the first window: closing detaches it
    try:
        first = MainWindow(session)  # a first start: empty states
        first.resize(1500, 940)
        first.show()
        first.tabs.setCurrentWidget(first.gallery)
        await asyncio.sleep(0.4)
        path = out / "main_window_empty.png"
        first.grab().save(str(path))
        saved.append(path)
        first.close()
        session = Session(studio)
        special = await _make_jobs(studio, sandbox_url)
        session.reload_catalog()
        await session.refresh_catalog()
        window = MainWindow(session)
        window.resize(1500, 940)
        window.show()
        await asyncio.sleep(0.3)

        # Never app.processEvents() in here: a nested loop inside a running task breaks
        # qasync ("Cannot enter into task"). Sleeping lets the loop process Qt events.
        def grab(widget, name: str) -> None:
            path = out / f"{name}.png"
            widget.grab().save(str(path))
            saved.append(path)

        async def settle(seconds: float = 0.4) -> None:
            await asyncio.sleep(seconds)

        compose = window.compose
        compose.box.prompt.setPlainText("a lighthouse on a cliff at dusk, oil painting")
        compose.box.negative.setPlainText("blurry, text, watermark")
        compose.box.seed.setText("1234")
        compose.targets.set_checked(("fal", "fal-ai/flux/dev"))
        compose.targets.set_checked(("fal", "fal-ai/flux/dev/image-to-image"))
        first_output = studio.asset(studio.asset_ids()[-1])
        compose.images.add_paths([first_output.path])  # an earlier result as img2img input
        panel = compose.panels[("fal", "fal-ai/flux/dev")]
        panel.form.fields["num_images"].set_value(2)
        spin = panel.form.fields["guidance_scale"].editor
        spin.lineEdit().setText("0.5")  # below the minimum of 1: shown inline
        spin.lineEdit().textEdited.emit("0.5")
        compose.revalidate()
        window.queue.select_job(special["running"])
        await settle(0.8)
        grab(window, "main_window")
        grab(compose, "compose")
        grab(window.queue, "queue")
        grab(window.catalog, "providers")

        window.tabs.setCurrentWidget(window.gallery)
        window.gallery.select_row(1)
        await settle(1.5)  # thumbnails decode on worker threads
        grab(window.gallery, "gallery")
        grab(window.inspector, "inspector")
        grab(window, "main_window_gallery")

        viewer = window.open_viewer(1)
        viewer.resize(1000, 720)
        await settle(1.0)
        grab(viewer, "viewer")
        video_row = next((r for r in range(window.gallery.model.rowCount())
                          if window.gallery.model.asset_at(r)[0].media_type.startswith("video/")),
                         None)
        if video_row is not None:
            viewer.show_row(video_row)
            await settle(1.5)
            grab(viewer, "viewer_video")
            _paint_video_frame(viewer, saved[-1])
        viewer.close()

        await _compare_shots(window, studio, grab, settle)

        dialog = window.open_settings()
        await settle(0.3)
        grab(dialog, "settings")
        for index, name in ((1, "settings_policy"), (2, "settings_network"), (3, "settings_paths")):
            dialog.tabs.setCurrentIndex(index)
            await settle(0.2)
            grab(dialog, name)
        dialog.close()

        apply_theme(app, dark=True)
        window.tabs.setCurrentWidget(window.compose)
        await settle(0.5)
        grab(window, "main_window_dark")
        apply_theme(app, dark=False)
        window.close()
    finally:
        await session.close()
        await studio.aclose()
    return saved


async def _compare_shots(window, studio, grab, settle) -> None:
    """A four-model compare group: the grid with adaptation notes, a wipe, the scoreboard."""
    from studio.core.compare.adapt import Brief, Target

    tab = window.compare
    _faults(studio.sandbox_url, None)  # the running job keeps its long run; these are quick
    targets = [Target.parse(t) for t in ("fal:fal-ai/flux/dev", "stability:ultra",
                                         "luma:photon-1", "fal:fal-ai/flux-pro/v1.1-ultra")]
    group = await tab.groups.create(Brief(prompt="a lighthouse on a cliff at dusk, oil "
                                          "painting", negative_prompt="blurry", seed=1234,
                                          aspect="4:5"), targets)
    await _wait_for(lambda: all(studio.job(c.job_id).status.terminal
                                for c in group.cells))
    _faults(studio.sandbox_url, {"run_seconds": 600})
    window.tabs.setCurrentWidget(tab)
    tab.show_group(group.id)
    await settle(1.5)
    grab(tab, "compare")
    tab.vote(winner=tab.cells.info(1).job.id)
    tab.set_layout(2)
    tab.pair.slider.setValue(420)
    await settle(1.0)
    grab(tab, "compare_wipe")
    tab.set_layout(0)
    tab.inner.setCurrentWidget(tab.scoreboard)
    await settle(0.3)
    grab(tab, "compare_scoreboard")
    tab.inner.setCurrentIndex(0)


def _paint_video_frame(viewer, path: Path) -> None:
    """QVideoWidget.grab() is blank offscreen: paint the sink's current frame in its place."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QImage, QPainter

    frame = viewer.video.video.videoSink().videoFrame()
    image = frame.toImage() if frame.isValid() else QImage()
    if image.isNull():
        return
    shot = QImage(str(path))
    area = QRect(viewer.video.video.mapTo(viewer, viewer.video.video.rect().topLeft()),
                 viewer.video.video.size())
    size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRect(0, 0, size.width(), size.height())
    target.moveCenter(area.center())
    painter = QPainter(shot)
    painter.fillRect(area, Qt.GlobalColor.black)
    painter.drawImage(target, image)
    painter.end()
    shot.save(str(path))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m studio.ui.screenshots OUT_DIR", file=sys.stderr)
        return 2
    out = Path(args[0]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="studio-shots-")
    os.environ["STUDIO_HOME"] = home
    os.environ.setdefault("STUDIO_THEME", "light")

    import qasync
    from PySide6.QtWidgets import QApplication

    from studio.sandbox import SandboxConfig, SandboxServer
    from studio.ui.widgets import apply_theme

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Provider Studio")
    app.setQuitOnLastWindowClosed(False)  # closing the viewer must not end the run
    apply_theme(app)
    try:
        with SandboxServer(SandboxConfig(queue_seconds=0.2, run_seconds=0.8)) as server:
            saved = qasync.run(_shoot(out, server.url))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
