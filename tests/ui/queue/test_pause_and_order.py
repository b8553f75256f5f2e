"""The Queue: pause sending (waiting jobs stay, nothing is sent, a banner until Resume),
reorder waiting jobs, and an empty Queue that says what Generate will do."""

import httpx
import pytest
from PySide6.QtCore import Qt

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.providers.base import RenderRequest
from studio.ui.queue.dock import empty_text
from tests.ui.conftest import run

pytestmark = pytest.mark.gui


@pytest.fixture
def studio(live_studio):
    live_studio.update_settings(set_value(live_studio.settings,
                                          "network.max_concurrent_per_provider", "1"))
    return live_studio


def _posts(sandbox) -> list[str]:
    seen = httpx.get(f"{sandbox.url}/_sandbox/requests", params={"provider": "fal"}).json()
    return [r["body"]["prompt"] for r in seen if r["method"] == "POST"]


def test_pause_hold_reorder_and_resume(window, qtbot, studio, ui_sandbox):
    httpx.delete(f"{ui_sandbox.url}/_sandbox/requests")
    queue = window.queue
    controls = queue.sending
    assert not controls.banner.isVisible()
    controls.pause_action.trigger()  # the toolbar's "Pause sending"
    assert studio.sending.paused and controls.banner.isVisible()
    jobs = [run(qtbot, studio.submit(RenderRequest(provider="fal", model="fal-ai/flux/schnell",
                                                   prompt=p)))
            for p in ("one", "two", "three")]
    qtbot.waitUntil(lambda: queue.model.rowCount() == 3 and len(studio.sending.waiting()) == 3)
    qtbot.wait(300)
    assert all(studio.job(j.id).status is JobStatus.QUEUED for j in jobs)
    assert _posts(ui_sandbox) == []
    assert "3 waiting jobs stay here" in controls.banner_text.text()
    row = queue.row_of(jobs[2].id)
    assert queue.proxy.index(row, 3).data().endswith("· paused")
    # Move "three" to the front: select it, Ctrl+Up twice.
    queue.select_job(jobs[2].id)
    assert controls.up_action.isEnabled() and not controls.down_action.isEnabled()
    queue.view.setFocus()
    qtbot.keyClick(queue.view, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    controls.up_action.trigger()
    assert studio.sending.waiting() == [jobs[2].id, jobs[0].id, jobs[1].id]
    qtbot.mouseClick(controls.resume_button, Qt.MouseButton.LeftButton)
    assert not studio.sending.paused and not controls.banner.isVisible()
    assert not controls.pause_action.isChecked()
    qtbot.waitUntil(lambda: all(studio.job(j.id).status is JobStatus.SUCCEEDED for j in jobs),
                    timeout=20_000)
    assert _posts(ui_sandbox) == ["three", "one", "two"]


def test_the_status_says_which_job_goes_next(window, qtbot, studio, ui_sandbox):
    queue = window.queue
    studio.sending.pause()
    jobs = [run(qtbot, studio.submit(RenderRequest(provider="fal", model="fal-ai/flux/schnell",
                                                   prompt=p))) for p in ("a", "b")]
    qtbot.waitUntil(lambda: len(studio.sending.waiting()) == 2)
    # Hold the slot with the first job's own run: resume with one slot, then look at "b".
    studio.sending.resume()
    qtbot.waitUntil(lambda: studio.sending.waiting() == [jobs[1].id], timeout=5000)
    qtbot.waitUntil(lambda: queue.proxy.index(queue.row_of(jobs[1].id), 3).data()
                    .endswith("· next to send"), timeout=5000)
    qtbot.waitUntil(lambda: studio.job(jobs[1].id).status is JobStatus.SUCCEEDED,
                    timeout=20_000)


def test_the_empty_queue_says_what_generate_will_do(window, studio):
    assert "runs live against the local emulator" in window.queue.empty.text()
    assert "runs live" in empty_text(window.session)


def test_a_pause_outlasts_a_restart(window, qtbot, studio):
    from studio.ui.queue.dock import QueueDock

    window.queue.sending.set_paused(True)
    assert studio.preferences().sending_paused
    studio.sending.resume()  # as a fresh start would find it: not paused in memory
    again = QueueDock(window.session)  # the next start's Queue
    qtbot.addWidget(again)
    assert studio.sending.paused and again.sending.pause_action.isChecked()
    again.sending.set_paused(False)
    assert not studio.preferences().sending_paused and not studio.sending.paused
