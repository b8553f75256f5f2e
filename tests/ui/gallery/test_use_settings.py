"""'Use these settings' restores the seed the provider actually used, not the request's
"random" (no seed), and the inputs an output was made from."""

import io
import json

import pytest
from PIL import Image
from PySide6.QtCore import Qt

from tests.ui.conftest import add_output

pytestmark = pytest.mark.gui


def test_use_these_settings_restores_the_seed_the_provider_used(window, qtbot, studio):
    source = add_output(studio, prompt="a harbour", color=(10, 120, 200))
    made = add_output(studio, prompt="a red fox", color=(200, 40, 40))
    job = studio.store.get_job(made.job_id)
    request = {**job.request, "seed": None, "input_images": [f"asset:{source.id}"]}
    with studio.store.transaction() as db:  # asked for no seed; the provider chose one
        db.execute("UPDATE jobs SET request=?, seed=? WHERE id=?",
                   (json.dumps(request), 30475065, job.id))
    window.tabs.setCurrentWidget(window.gallery)
    gallery = window.gallery
    qtbot.waitUntil(lambda: gallery.model.rowCount() == 2)
    gallery.view.setFocus()
    gallery.select_row(0)
    inspector = window.inspector.inspector
    qtbot.waitUntil(lambda: inspector.values["SHA-256"].text() == made.sha256)
    qtbot.mouseClick(inspector.use_button, Qt.MouseButton.LeftButton)
    box = window.compose.box
    assert box.seed_value() == (30475065, "")
    assert box.images.paths() == [f"asset:{source.id}"]  # by asset id, so lineage holds


def test_use_these_settings_restores_the_mask_the_mode_and_the_roles(window, qtbot, studio):
    from studio.providers.base import Mode, RenderRequest, Role
    from tests.ui.conftest import run

    picture = add_output(studio, prompt="a harbour", color=(10, 120, 200))
    white = Image.new("L", (96, 64), 0)
    white.paste(255, (20, 10, 60, 40))
    out = io.BytesIO()
    white.save(out, "PNG")
    mask = studio.save_mask(picture.id, out.getvalue())
    fill = ("fal", "fal-ai/flux-pro/v1/fill")
    job = run(qtbot, studio.submit(RenderRequest(
        provider=fill[0], model=fill[1], mode=Mode.INPAINT, prompt="a red boat", seed=11,
        input_images=[f"asset:{picture.id}"], mask=f"asset:{mask.id}")))
    inspector = window.inspector.inspector
    inspector.show_job(job.id)
    qtbot.mouseClick(inspector.use_button, Qt.MouseButton.LeftButton)
    compose = window.compose
    images = compose.images
    assert [(c.ref, c.role) for c in images.chosen()] == [(f"asset:{picture.id}", Role.INPUT)]
    assert images.mask_ref == f"asset:{mask.id}" and images.mode() is Mode.INPAINT
    request = compose.build_request(compose.panels[fill])
    assert (request.mode, request.seed, request.mask) == (Mode.INPAINT, 11,
                                                          f"asset:{mask.id}")
    assert request.input_images == [f"asset:{picture.id}"]

    start = add_output(studio, prompt="dawn", color=(250, 200, 10))
    end = add_output(studio, prompt="dusk", color=(90, 20, 120))
    ray = ("luma", "ray-2")
    video = run(qtbot, studio.submit(RenderRequest(
        provider=ray[0], model=ray[1], mode=Mode.IMG2VIDEO, prompt="the day passes",
        input_images=[f"asset:{start.id}", f"asset:{end.id}"])))
    inspector.show_job(video.id)
    qtbot.mouseClick(inspector.use_button, Qt.MouseButton.LeftButton)
    assert [c.role for c in images.chosen()] == [Role.START_FRAME, Role.END_FRAME]
    assert images.mask_ref is None and images.mode() is None  # each model chooses again
    assert compose.build_request(compose.panels[ray]).input_images == [
        f"asset:{start.id}", f"asset:{end.id}"]
