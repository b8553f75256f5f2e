"""One function per part of the window: put it in a telling state, grab it."""

from __future__ import annotations

from pathlib import Path

from studio.ui.screenshots.camera import Camera, settle


async def shoot_workspace(window, studio, camera: Camera, special: dict) -> None:
    """Compose with the picker, the Providers dock, the Queue with a merged toast."""
    window.tabs.setCurrentWidget(window.compose)
    window.queue.select_job(special["running"])
    window.catalog.raise_()
    await settle(0.6)
    camera.grab(window, "main_window")
    camera.grab(window.compose, "compose")
    camera.grab(window.catalog, "providers")
    for job in studio.jobs(limit=30)[:8]:
        if job.status.value == "succeeded":
            window.notices.add(job)  # what the Queue sends when jobs end
    window.notices.flush()
    await settle(0.3)
    camera.grab(window, "main_window_toasts")
    camera.grab(window.queue, "queue")
    statuses = window.queue.status_filter
    statuses.setCurrentIndex(statuses.findText("Failed or refused"))
    await settle(0.2)
    camera.grab(window.queue, "queue_failed")
    window.queue.status_filter.setCurrentIndex(0)
    window.queue.sending.set_paused(True)  # the banner; nothing new is sent meanwhile
    await settle(0.2)
    camera.grab(window.queue, "queue_paused")
    window.queue.sending.set_paused(False)
    picker = window.compose.targets
    picker.search.setText("kling")
    await settle(0.2)
    camera.grab(picker, "picker_search")
    picker.search.clear()
    picker.capability.setCurrentIndex(picker.capability.findData("inpaint"))
    await settle(0.2)
    camera.grab(picker, "picker_inpaint")
    picker.capability.setCurrentIndex(0)
    for toast in list(window.toasts.toasts):
        toast.close()


async def shoot_gallery(window, camera: Camera, board_id: str) -> None:
    """The library: grid, Inspector with its picture, stacks, a board, the trash."""
    from studio.ui.gallery.boards import ALL, BOARD, TRASH

    gallery = window.gallery
    window.tabs.setCurrentWidget(gallery)
    gallery.show_place(ALL)
    gallery.select_row(1)
    window.inspector.raise_()
    await settle(1.2)  # thumbnails decode on worker threads
    camera.grab(window, "main_window_gallery")
    camera.grab(gallery, "gallery")
    camera.grab(window.inspector, "inspector")
    gallery.group.setCurrentIndex(gallery.group.findData("fanout"))
    await settle(0.6)
    camera.grab(gallery, "gallery_stacks")
    gallery.group.setCurrentIndex(0)
    gallery.show_place(BOARD, board_id)
    await settle(0.5)
    camera.grab(gallery, "gallery_board")
    gallery.show_place(TRASH)
    await settle(0.5)
    camera.grab(gallery, "gallery_trash")
    gallery.show_place(ALL)
    window.catalog.raise_()


async def shoot_compare(window, camera: Camera, group_id: str) -> None:
    """The four-model group fitted to the space, a wipe, the brief, the scoreboard, and
    the group in full-screen mode."""
    tab = window.compare
    window.tabs.setCurrentWidget(tab)
    tab.focus_group(group_id)
    tab.set_layout(0)
    await settle(1.0)
    camera.grab(window, "main_window_compare")
    camera.grab(tab, "compare")
    tab.per_screen.setCurrentIndex(tab.per_screen.findData(9))
    await settle(0.3)
    camera.grab(tab, "compare_9up")
    tab.per_screen.setCurrentIndex(0)
    if not tab.votes.for_group(group_id):
        tab.vote(winner=tab.cells.info(1).job.id)
    tab.set_layout(2)
    tab.pair.slider.setValue(420)
    await settle(0.8)
    camera.grab(tab, "compare_wipe")
    tab.set_layout(0)
    tab.inner.setCurrentWidget(tab.brief_panel)
    await settle(0.3)
    camera.grab(tab, "compare_new")
    tab.inner.setCurrentWidget(tab.scoreboard)
    await settle(0.3)
    camera.grab(tab, "compare_scoreboard")
    tab.inner.setCurrentIndex(0)
    size = window.size()
    tab.set_full_screen(True)
    window.showNormal()  # offscreen "full screen" is the platform's screen: keep our size
    window.resize(size)
    await settle(0.6)
    camera.grab(window, "compare_fullscreen")
    tab.set_full_screen(False)
    window.resize(size)
    await settle(0.3)


async def shoot_viewer(window, camera: Camera) -> None:
    """A picture with its zoom controls, and a video with its transport."""
    width, height = camera.size
    viewer = window.open_viewer(1)
    viewer.resize(min(1000, width - 24), min(720, height - 40))
    await settle(1.0)
    camera.grab(viewer, "viewer")
    model = window.gallery.model
    video_row = next((r for r in range(model.rowCount())
                      if model.asset_at(r)[0].media_type.startswith("video/")), None)
    if video_row is not None:
        viewer.show_row(video_row)
        await settle(1.5)
        viewer.video.player.pause()
        await settle(0.2)
        _paint_video_frame(viewer, camera.grab(viewer, "viewer_video"))
    viewer.close()


async def shoot_settings(window, camera: Camera) -> None:
    """Keys and flags, Appearance (the theme), and the app in the dark theme."""
    from PySide6.QtWidgets import QApplication

    from studio.ui.widgets import apply_theme

    width, height = camera.size
    dialog = window.open_settings()
    dialog.resize(min(640, width - 40), min(680, height - 40))
    await settle(0.3)
    camera.grab(dialog, "settings")
    scroll = dialog.servers.parentWidget()
    while scroll is not None and not hasattr(scroll, "ensureWidgetVisible"):
        scroll = scroll.parentWidget()
    if scroll is not None:
        scroll.ensureWidgetVisible(dialog.servers)
        await settle(0.15)
        camera.grab(dialog, "settings_servers")
    for index in range(1, dialog.tabs.count()):
        name = dialog.tabs.tabText(index).lower().replace("&&", "and").replace(" ", "_")
        dialog.tabs.setCurrentIndex(index)
        await settle(0.15)
        camera.grab(dialog, f"settings_{name}")
    dialog.reject()
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    apply_theme(app, dark=True)
    window.tabs.setCurrentWidget(window.compose)
    await settle(0.5)
    camera.grab(window, "main_window_dark")
    window.tabs.setCurrentWidget(window.compare)
    await settle(0.4)
    camera.grab(window, "main_window_compare_dark")
    apply_theme(app, dark=False)
    await settle(0.2)


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
