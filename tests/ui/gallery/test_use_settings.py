"""'Use these settings' restores the seed the provider actually used, not the request's
"random" (no seed), and the inputs an output was made from."""

import json

import pytest
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
    assert box.images.paths() == [source.path]
