"""Clean-up in one click on any image: Upscale, Remove background, Vary and Vary prompt,
each an ordinary job (dry-run unless live, priced, confirmed above the threshold, in the
Queue, with the image as its parent); and N variations per model in Compose, one stack
in the Gallery."""

from __future__ import annotations

import pytest

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.providers.base import Mode
from tests.ui.conftest import add_output, make_png, open_window

pytestmark = pytest.mark.gui


def _menu_action(actions, menu, name: str):
    menu.aboutToShow.emit()  # the model list is filled as the menu opens
    found = [a for a in menu.actions() if a.objectName() == name]
    assert found, [a.objectName() for a in menu.actions()]
    return found[0]


def _newest(qtbot, studio, count: int):
    """The newest job once the studio holds `count` jobs (the Queue lists the same)."""
    qtbot.waitUntil(lambda: studio.store.count_jobs() == count, timeout=10_000)
    return studio.jobs(limit=1)[0]


def _select(window, qtbot, asset_id: str):
    gallery = window.gallery
    window.tabs.setCurrentWidget(gallery)
    qtbot.waitUntil(lambda: gallery.model.row_of(asset_id) >= 0)
    gallery.select_row(gallery.model.row_of(asset_id))
    return gallery.iterate


def test_upscale_and_remove_background_are_dry_runs_with_lineage(window, qtbot, studio):
    fox = add_output(studio, prompt="a red fox in snow")
    iterate = _select(window, qtbot, fox.id)
    _menu_action(iterate, iterate.upscale_menu, "upscale:stability/upscale-fast").trigger()
    job = _newest(qtbot, studio, 2)
    assert (job.provider, job.model, job.mode) == ("stability", "upscale-fast", "upscale")
    qtbot.waitUntil(lambda: window.queue.model.rowCount() == 2)  # in the Queue
    assert job.status is JobStatus.DRY_RUN and job.estimate and job.estimate["usd"]
    assert job.request["input_images"] == [f"asset:{fox.id}"]
    assert [p.asset_id for p in studio.lineage_records.parents(job.id)] == [fox.id]
    _menu_action(iterate, iterate.upscale_menu,
                 "upscale:stability/upscale-conservative").trigger()
    assert _newest(qtbot, studio, 3).prompt == "a red fox in snow"  # the output's own
    _menu_action(iterate, iterate.background_menu,
                 "remove_background:fal/fal-ai/birefnet/v2").trigger()
    job = _newest(qtbot, studio, 4)
    assert (job.mode, job.status) == ("remove_background", JobStatus.DRY_RUN)
    assert studio.lineage(fox.id).children[-1].node.job_id == job.id


def test_an_upscale_that_needs_a_prompt_opens_compose(window, qtbot, studio, tmp_path):
    dropped = studio.import_image(make_png(tmp_path / "scan.png", (90, 90, 90)))
    iterate = _select(window, qtbot, dropped.id)  # an import has no prompt
    _menu_action(iterate, iterate.upscale_menu,
                 "upscale:stability/upscale-creative").trigger()
    compose = window.compose
    assert window.tabs.currentWidget() is compose
    assert compose.images.refs() == [f"asset:{dropped.id}"]
    assert compose.images.mode() is Mode.UPSCALE
    assert ("stability", "upscale-creative") in compose.targets.checked()
    assert studio.store.count_jobs() == 1  # the import itself; nothing was sent


def test_vary_sends_the_same_settings_with_a_new_seed(window, qtbot, studio):
    fox = add_output(studio, prompt="a red fox")
    iterate = _select(window, qtbot, fox.id)
    iterate.vary_action.trigger()
    job = _newest(qtbot, studio, 2)
    assert (job.model, job.prompt) == ("fal-ai/flux/dev", "a red fox")
    assert job.request["seed"] is not None and job.request["seed"] != 7
    assert studio.batches.batch_of(job.id) is not None


def test_vary_prompt_opens_compose_ready_to_edit(window, qtbot, studio):
    fox = add_output(studio, prompt="a red fox")
    iterate = _select(window, qtbot, fox.id)
    iterate.vary_prompt_action.trigger()
    compose = window.compose
    assert window.tabs.currentWidget() is compose
    assert compose.prompt.toPlainText() == "a red fox" and compose.seed.text() == "7"
    assert ("fal", "fal-ai/flux/dev") in compose.targets.checked()
    qtbot.waitUntil(compose.prompt.hasFocus, timeout=2000)
    assert studio.store.count_jobs() == 1


@pytest.fixture
def live_window(live_studio, qtbot):
    from studio.ui.session import Session

    session = Session(live_studio)
    yield from open_window(session, qtbot)
    session.detach()


def test_a_live_upscale_asks_first_and_its_output_has_a_parent(live_window, qtbot,
                                                               live_studio):
    from studio.ui.widgets import SpendGate

    window = live_window
    live_studio.update_settings(set_value(live_studio.settings,
                                          "budgets.confirm_above_usd", "0"))
    fox = add_output(live_studio, prompt="a red fox", color=(200, 40, 40))
    iterate = _select(window, qtbot, fox.id)
    _menu_action(iterate, iterate.upscale_menu, "upscale:stability/upscale-fast").trigger()
    gate = SpendGate.of(window.session)
    qtbot.waitUntil(lambda: gate.dialog is not None and gate.dialog.isVisible(), timeout=5000)
    assert "Send 1 live job" in gate.dialog.heading.text()
    gate.dialog.accept()
    job_id = _newest(qtbot, live_studio, 2).id
    qtbot.waitUntil(lambda: live_studio.job(job_id).status is JobStatus.SUCCEEDED,
                    timeout=20_000)
    [made] = live_studio.job_assets(job_id)
    assert (made.width, made.height) == (fox.width * 4, fox.height * 4)  # fast: 4x
    assert [e.node.asset_id for e in live_studio.lineage(made.id).parents] == [fox.id]


def test_n_variations_per_model_are_one_stack_in_the_gallery(live_window, qtbot,
                                                             live_studio):
    window = live_window
    compose = window.compose
    qtbot.keyClicks(compose.prompt, "a lighthouse")
    compose.targets.set_checked(("fal", "fal-ai/flux/schnell"))
    compose.seed.setText("100")
    compose.variations.setValue(3)
    compose.revalidate()
    compose.generate()
    _newest(qtbot, live_studio, 3)
    jobs = live_studio.jobs(limit=3)
    assert sorted(j.request["seed"] for j in jobs) == [100, 101, 102]
    assert len({live_studio.batches.batch_of(j.id) for j in jobs}) == 1
    qtbot.waitUntil(lambda: all(live_studio.job(j.id).status is JobStatus.SUCCEEDED
                                for j in jobs), timeout=30_000)
    gallery = window.gallery
    window.tabs.setCurrentWidget(gallery)
    gallery.group.setCurrentIndex(gallery.group.findData("batch"))
    qtbot.waitUntil(lambda: gallery.model.rowCount() == 1, timeout=5000)
    assert gallery.model.stack_of(0).count == 3
