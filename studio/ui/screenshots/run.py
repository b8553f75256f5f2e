"""Starts the sandbox, makes the data, and saves every view at each size."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from studio.ui.screenshots.camera import SIZES, Camera, settle
from studio.ui.screenshots.data import (
    faults,
    make_group,
    make_jobs,
    make_library,
    make_lineage,
)

FOUR = ["fal:fal-ai/flux/dev", "stability:ultra", "luma:photon-1",
        "fal:fal-ai/flux-pro/v1.1-ultra"]


async def _size_window(window, size: tuple[int, int]) -> None:
    window.showNormal()
    window.resize(*size)
    await settle(0.2)
    window.dock_layout.reset()  # the layout a first start at this size gets
    await settle(0.4)


async def shoot(out: Path, sandbox_url: str) -> list[Path]:
    from studio.core.service import Studio
    from studio.ui.main_window import MainWindow
    from studio.ui.session import Session

    camera = Camera(out)
    studio = Studio(sandbox_url=sandbox_url)
    s = studio.settings.model_copy(deep=True)
    s.features.enable_public_image_providers = True  # video stays off: its reason shows
    studio.update_settings(s)
    session = Session(studio)  # replaced after the first window: closing detaches it
    try:
        first = MainWindow(session)  # a first start: the gallery teaches
        first.show()
        first.tabs.setCurrentWidget(first.gallery)
        for size in SIZES:
            camera.size = size
            await _size_window(first, size)
            camera.grab(first, "main_window_empty")
        first.close()
        s = studio.settings.model_copy(deep=True)
        s.features.enable_public_video_providers = True
        studio.update_settings(s)
        session = Session(studio)
        special = await make_jobs(studio, sandbox_url)
        group_id = await make_group(studio, "a lighthouse on a cliff at dusk, oil painting",
                                    FOUR, negative_prompt="blurry", seed=1234, aspect="4:5")
        board_id = make_library(studio)
        lineage_id = await make_lineage(studio)
        from studio.ui.screenshots.sequence_views import make_storyboard

        storyboard_id = await make_storyboard(studio)
        from studio.ui.screenshots.pods_view import make_pods

        await make_pods(studio)
        studio.set_favourite("fal", "fal-ai/flux/dev", True)
        studio.note_used([("fal", "fal-ai/flux/dev"), ("stability", "ultra")])
        session.reload_catalog()
        refreshing = session.refresh_catalog()
        if refreshing is not None:
            await refreshing
        window = MainWindow(session)
        window.show()
        _fill_compose(window, studio)
        for size in SIZES:
            camera.size = size
            await _size_window(window, size)
            await _shoot_size(window, studio, camera, special, group_id, board_id,
                              lineage_id)
            from studio.ui.screenshots.sequence_views import shoot_sequences

            await shoot_sequences(window, camera, storyboard_id)
        window.close()
    finally:
        await session.close()
        await studio.aclose()
    return camera.saved


def _fill_compose(window, studio) -> None:
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


async def _shoot_size(window, studio, camera: Camera, special: dict, group_id: str,
                      board_id: str, lineage_id: str) -> None:
    from studio.ui.screenshots.batch_views import shoot_batch
    from studio.ui.screenshots.dashboard_views import shoot_dashboard
    from studio.ui.screenshots.iterate_views import shoot_iterate
    from studio.ui.screenshots.pods_view import shoot_pods
    from studio.ui.screenshots.views import (
        shoot_compare,
        shoot_gallery,
        shoot_settings,
        shoot_viewer,
        shoot_workspace,
    )

    await shoot_workspace(window, studio, camera, special)
    await shoot_gallery(window, camera, board_id)
    await shoot_iterate(window, studio, camera, lineage_id)
    await shoot_compare(window, camera, group_id)
    await shoot_dashboard(window, camera)
    await shoot_viewer(window, camera)
    await shoot_settings(window, camera)
    await shoot_batch(window, camera)
    await shoot_pods(window, camera)


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

    found = QApplication.instance()
    app = found if isinstance(found, QApplication) else QApplication([sys.argv[0]])
    app.setApplicationName("Provider Studio")
    app.setQuitOnLastWindowClosed(False)  # closing the viewer must not end the run
    apply_theme(app)
    try:
        with SandboxServer(SandboxConfig(queue_seconds=0.2, run_seconds=0.8)) as server:
            saved = qasync.run(shoot(out, server.url))
            faults(server.url, None)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    for path in saved:
        print(path)
    return 0
