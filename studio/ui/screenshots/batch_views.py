"""Batch from list: its preview with a row's problems, then a batch on its way."""

from __future__ import annotations

import tempfile
from pathlib import Path

from studio.ui.screenshots.camera import Camera, settle

ROWS = ("prompt,negative,seed,steps\n"
        "\"A cafe menu board: Soup 4.50, Bread 2.00\",blurry,11,8\n"
        "A neon sign that reads OPEN 24H,,12,8\n"
        ",,13,8\n"
        "A movie poster titled The Last Lighthouse,text errors,fourteen,8\n"
        "An infographic: 3 steps to better sleep,,15,8\n")
TARGETS = [("comfyui", "qwen-image-txt2img"), ("fal", "fal-ai/flux/schnell")]


async def shoot_batch(window, camera: Camera) -> None:
    width, height = camera.size
    dialog = window.open_batch()
    dialog.resize(min(1200, width - 60), min(720, height - 60))
    with tempfile.TemporaryDirectory(prefix="batch-shot-") as folder:
        sheet = Path(folder) / "posters.csv"
        sheet.write_text(ROWS)
        for target in TARGETS:
            dialog.targets.set_checked(target)
        dialog.load(str(sheet))
        await settle(0.3)
        camera.grab(dialog, "batch_dialog")
        good = "\n".join(line for line in ROWS.splitlines()
                         if not line.startswith((",", "A movie"))) + "\n"
        sheet.write_text(good)
        dialog.load(str(sheet))
        dialog.send()
        for _ in range(40):  # a few done, the rest on their way
            await settle(0.25)
            if dialog.progress.value() >= 2:
                break
        camera.grab(dialog, "batch_progress")
        for _ in range(60):
            if dialog.batch_sender is not None and not dialog.sending and \
                    not dialog.cancel_all.isEnabled():
                break
            await settle(0.25)
    dialog.reject()
