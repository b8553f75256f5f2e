import pytest
from PySide6.QtCore import Qt

from studio.core.jobs import JobStatus
from tests.ui.conftest import run

pytestmark = pytest.mark.gui

FLUX = ("fal", "fal-ai/flux/dev")
IMG2IMG = ("fal", "fal-ai/flux/dev/image-to-image")


def _compose(window, qtbot, prompt="a lighthouse at dusk", targets=(FLUX,)):
    compose = window.compose
    qtbot.keyClicks(compose.prompt, prompt)
    for target in targets:
        assert compose.targets.set_checked(target)
    compose.revalidate()
    return compose


def test_generate_dry_run_shows_the_job_in_the_queue(window, qtbot, studio):
    compose = _compose(window, qtbot)
    assert compose.generate_button.isEnabled()
    assert "1 job" in compose.total.text() and "$0.02" in compose.total.text()
    qtbot.mouseClick(compose.generate_button, Qt.MouseButton.LeftButton)
    model = window.queue.model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and
                    model.job_at(0).status == JobStatus.DRY_RUN, timeout=5000)
    job = model.job_at(0)
    assert job.prompt == "a lighthouse at dusk"
    assert job.dry_run and "enable_public_image_providers" in job.dry_run_reason
    assert model.data(model.index(0, 3)) == "dry-run"
    assert model.data(model.index(0, 1)) == "FLUX.1 [dev]"
    assert "$0.02" in model.data(model.index(0, 6))
    qtbot.waitUntil(lambda: any("1 dry-run" in t for t in window.toasts.visible_texts()))
    # The queue selected the new job, so the inspector shows its request as sent.
    qtbot.waitUntil(lambda: job.id in window.inspector.inspector.title.text())
    assert '"prompt": "a lighthouse at dusk"' in window.inspector.inspector.request.toPlainText()
    assert compose.history.items() == ["a lighthouse at dusk"]


def test_ctrl_return_sends_one_job_per_checked_target(window, qtbot, studio):
    compose = _compose(window, qtbot, targets=(FLUX, ("fal", "fal-ai/flux/schnell")))
    assert len(compose.active_panels()) == 2
    compose.prompt.setFocus()
    qtbot.keyClick(compose.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.queue.model.rowCount() == 2, timeout=5000)
    jobs = [window.queue.model.job_at(r) for r in range(2)]
    assert {j.model for j in jobs} == {"fal-ai/flux/dev", "fal-ai/flux/schnell"}
    assert jobs[0].compare_group and jobs[0].compare_group == jobs[1].compare_group
    assert "\n" not in compose.prompt.toPlainText()  # the shortcut did not type a newline


def test_out_of_range_value_is_marked_inline_and_blocks_generate(window, qtbot):
    compose = _compose(window, qtbot)
    field = compose.panels[FLUX].form.fields["num_inference_steps"]
    spin = field.editor
    spin.selectAll()
    qtbot.keyClicks(spin, "0")  # below the model's minimum of 1
    compose.revalidate()
    assert field.error.isVisible()
    assert field.error.text() == "Enter a whole number from 1 to 50"
    assert field.frame.property("invalid") is True
    assert not compose.generate_button.isEnabled()
    assert "FLUX.1 [dev]" in compose.reason.text()
    qtbot.keyClicks(spin, "9")  # "09" -> 9, within bounds
    compose.revalidate()
    assert not field.error.isVisible()
    assert compose.generate_button.isEnabled()


def test_request_errors_from_core_are_shown_where_they_belong(window, qtbot):
    compose = _compose(window, qtbot, targets=(FLUX, IMG2IMG))
    panel = compose.panels[IMG2IMG]
    assert panel.errors.isVisible()
    assert "needs an input image" in panel.errors.text()
    assert not compose.generate_button.isEnabled()
    compose.seed.setText("99999999999")
    compose.revalidate()
    assert compose.box.seed_error.isVisible() and "4294967294" in compose.box.seed_error.text()
    compose.seed.setText("42")
    compose.targets.set_checked(IMG2IMG, False)
    compose.revalidate()
    assert compose.generate_button.isEnabled() and compose.reason.text() == ""


def test_generate_needs_a_prompt_and_a_target(window, qtbot):
    compose = window.compose
    compose.revalidate()
    assert not compose.generate_button.isEnabled()
    assert "Check at least one model" in compose.reason.text()
    compose.targets.set_checked(FLUX)
    compose.revalidate()
    assert compose.reason.text() == "Write a prompt to generate."
    assert not compose.box.prompt_error.isVisible()  # an empty prompt is not shouted at
    compose.generate()  # the shortcut path refuses too
    qtbot.wait(50)
    assert window.queue.model.rowCount() == 0


def test_presets_round_trip_and_live_cost(window, qtbot, studio):
    compose = _compose(window, qtbot)
    panel = compose.panels[FLUX]
    panel.form.fields["num_images"].set_value(3)
    compose.revalidate()
    assert panel.cost.text() == "$0.075"  # $0.025/MP x 1 MP (0.79, rounded up) x 3
    assert "3 jobs" not in compose.total.text() and "$0.075" in compose.total.text()
    assert "Source: https://fal.ai/" in panel.cost.toolTip()
    panel.save_preset("Three up")
    panel.form.fields["num_images"].set_value(1)
    panel.preset_box.setCurrentIndex(panel.preset_box.findData("Three up"))
    panel.preset_box.activated.emit(panel.preset_box.currentIndex())
    assert panel.form.values()["num_images"] == 3
    assert (studio.paths.config_dir / "presets.json").exists()


def test_use_these_settings_fills_compose_without_sending(window, qtbot, studio):
    request = {"provider": "fal", "model": "fal-ai/flux/schnell", "prompt": "old prompt",
               "negative_prompt": None, "seed": 1234,
               "params": {"num_inference_steps": 3, "image_size": "square"},
               "input_images": []}
    window.session.useRequest.emit(request)
    compose = window.compose
    assert compose.prompt.toPlainText() == "old prompt"
    assert compose.seed.text() == "1234"
    panel = compose.panels[("fal", "fal-ai/flux/schnell")]
    assert panel.form.values()["num_inference_steps"] == 3
    assert panel.form.values()["image_size"] == "square"
    assert window.tabs.currentWidget() is compose
    qtbot.wait(50)
    assert studio.store.count_jobs() == 0


def test_running_a_coroutine_helper(window, qtbot, studio):
    # The qasync loop runs studio coroutines while pytest-qt spins Qt.
    job = run(qtbot, studio.retry(run(qtbot, _dry_job(studio)).id))
    assert job.retried_from is not None
    qtbot.waitUntil(lambda: window.queue.model.rowCount() == 2)


async def _dry_job(studio):
    from studio.providers.base import RenderRequest

    return await studio.submit(RenderRequest(provider="fal", model="fal-ai/flux/dev",
                                             prompt="x"))


def test_input_images_feed_image_to_image(window, qtbot, studio, tmp_path):
    from tests.ui.conftest import make_png

    compose = _compose(window, qtbot, prompt="restyle this", targets=(IMG2IMG,))
    panel = compose.panels[IMG2IMG]
    assert "needs an input image" in panel.errors.text()
    assert compose.images.add_button.isEnabled()
    picture = make_png(tmp_path / "input.png", (10, 200, 10))
    compose.images.add_paths([str(picture)])
    compose.revalidate()
    assert not panel.errors.isVisible() and compose.generate_button.isEnabled()
    assert not compose.images.add_button.isEnabled()  # the model takes one image
    assert compose.images.hint.text() == "1 of 1 input image"
    item = compose.images.list.item(0)
    qtbot.waitUntil(lambda: not item.icon().isNull(), timeout=5000)  # decoded off-thread
    compose.generate()
    qtbot.waitUntil(lambda: window.queue.model.rowCount() == 1, timeout=5000)
    job = window.queue.model.job_at(0)
    assert len(job.input_hashes) == 1 and job.request["input_images"] == [str(picture)]
