"""Iterating on a render: Compose holding inputs with their roles and a mask, the mask
editor (painting, and an outpaint canvas), and lineage in the Inspector and its window."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF

from studio.providers.base import Role
from studio.ui.screenshots.camera import Camera, settle


async def shoot_iterate(window, studio, camera: Camera, source_id: str) -> None:
    gallery = window.gallery
    window.tabs.setCurrentWidget(gallery)
    gallery.show_place()
    await settle(0.3)
    gallery.select_row(gallery.model.row_of(source_id))
    window.inspector.raise_()
    await settle(1.0)
    camera.grab(window.inspector, "inspector_lineage")
    dialog = gallery.iterate.show_lineage()
    if dialog is not None:
        width, height = camera.size
        dialog.resize(min(560, width - 40), min(440, height - 40))
        await settle(0.8)
        camera.grab(dialog, "lineage_dialog")
        dialog.close()
    editor = gallery.iterate.paint_mask()
    if editor is not None:
        width, height = camera.size
        editor.resize(min(1100, width - 24), min(760, height - 40))
        await settle(0.5)
        rect = editor.layer.rect()
        editor.brush_size.setValue(max(24, rect.width() // 10))
        editor.hardness.setValue(40)
        canvas = editor.canvas
        w, h = rect.width(), rect.height()
        canvas.press(QPointF(w * 0.3, h * 0.55))
        for step in range(1, 43):  # a gentle wave across the middle
            x = 0.3 + step / 100
            canvas.drag(QPointF(w * x, h * (0.55 + 0.06 * math.sin(step / 6))))
        canvas.release(QPointF(w * 0.72, h * 0.6))
        await settle(0.4)
        camera.grab(editor, "mask_editor")
        editor.outpaint.aspect.setCurrentText("16:9")
        editor.outpaint.apply_aspect()
        await settle(0.4)
        camera.grab(editor, "mask_editor_outpaint")
        editor.close()
    compose = window.compose
    window.tabs.setCurrentWidget(compose)
    others = [i for i in studio.asset_ids(model="fal-ai/flux/schnell")][:1]
    compose.images.set_paths([f"asset:{source_id}"], [Role.INPUT])
    compose.images.add([f"asset:{i}" for i in others], Role.REFERENCE)
    for target in (("luma", "photon-1"), ("fal", "fal-ai/kling-video/v2.1/pro/image-to-video")):
        compose.targets.set_checked(target)
    compose.revalidate()
    await settle(0.8)
    camera.grab(compose, "compose_inputs")
    for target in (("luma", "photon-1"), ("fal", "fal-ai/kling-video/v2.1/pro/image-to-video")):
        compose.targets.set_checked(target, False)
    compose.images.set_paths([])
    compose.revalidate()
