import json
import time

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication

from studio.core.jobs import Job, JobStatus, new_job_id
from studio.ui.gallery.model import THUMB_ROLE
from tests.ui.conftest import add_output

pytestmark = pytest.mark.gui


@pytest.fixture
def studio(live_studio):
    return live_studio


def _send(window, qtbot, prompt="a lighthouse", model="fal-ai/flux/schnell"):
    compose = window.compose
    compose.prompt.setPlainText(prompt)
    compose.targets.set_checked(("fal", model))
    compose.revalidate()
    assert compose.generate_button.isEnabled(), compose.reason.text()
    qtbot.mouseClick(compose.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.queue.model.rowCount() >= 1, timeout=5000)


def _status(window, row=0):
    return window.queue.model.job_at(row).status


def test_live_job_runs_to_the_gallery(window, qtbot, studio):
    _send(window, qtbot)
    model = window.queue.model
    assert not model.job_at(0).dry_run
    seen = set()
    qtbot.waitUntil(lambda: seen.add(_status(window)) or _status(window) == JobStatus.SUCCEEDED,
                    timeout=15_000)
    assert JobStatus.SUCCEEDED in seen and len(seen) >= 2  # it was seen moving, not just done
    assert model.data(model.index(0, 4)).endswith(" s")  # elapsed time
    qtbot.waitUntil(lambda: any(t.startswith("Finished") for t in window.toasts.visible_texts()))
    gallery = window.gallery.model
    qtbot.waitUntil(lambda: gallery.rowCount() == 1, timeout=5000)
    # The thumbnail is made off the GUI thread and then shows up in the model.
    qtbot.waitUntil(lambda: gallery.data(gallery.index(0), THUMB_ROLE) is not None, timeout=5000)
    assert list(studio.paths.thumbs_dir.rglob("*.jpg"))


def test_cancel_with_delete_then_retry(window, qtbot, studio, ui_sandbox):
    httpx.post(f"{ui_sandbox.url}/_sandbox/faults", json={"run_seconds": 30}).raise_for_status()
    _send(window, qtbot)
    qtbot.waitUntil(lambda: _status(window) == JobStatus.RUNNING, timeout=10_000)
    view = window.queue.view
    view.setFocus()
    window.queue.select_job(window.queue.model.job_at(0).id)
    assert window.queue.actions_["cancel"].isEnabled()
    assert not window.queue.actions_["retry"].isEnabled()
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: _status(window) == JobStatus.CANCELLED, timeout=10_000)
    cancelled = window.queue.model.job_at(0)
    # Actions refresh a few ms after a burst of job events settles.
    qtbot.waitUntil(lambda: window.queue.actions_["retry"].isEnabled(), timeout=1000)
    httpx.delete(f"{ui_sandbox.url}/_sandbox/faults")
    window.queue.actions_["retry"].trigger()
    qtbot.waitUntil(lambda: window.queue.model.rowCount() == 2, timeout=5000)
    retried = window.queue.model.job_at(0)
    assert retried.retried_from == cancelled.id and retried.id != cancelled.id
    qtbot.waitUntil(lambda: _status(window) == JobStatus.SUCCEEDED, timeout=15_000)
    assert window.queue.model.job_at(1).status == JobStatus.CANCELLED  # history is kept


def test_failed_job_shows_an_error_toast(window, qtbot, studio, ui_sandbox):
    httpx.post(f"{ui_sandbox.url}/_sandbox/faults",
               json={"fail_next": {"count": 1, "message": "out of capacity"}}).raise_for_status()
    _send(window, qtbot)
    qtbot.waitUntil(lambda: _status(window) in (JobStatus.FAILED,), timeout=15_000)
    qtbot.waitUntil(lambda: any(t.startswith("Failed") for t in window.toasts.visible_texts()))
    job = window.queue.model.job_at(0)
    tip = window.queue.model.data(window.queue.model.index(0, 3), Qt.ItemDataRole.ToolTipRole)
    assert job.error and job.error in tip


def test_queue_follows_store_events(window, qtbot, studio):
    assert window.queue.stack.currentWidget() is window.queue.empty
    assert "No jobs yet" in window.queue.empty.text()
    job = Job(id=new_job_id(), provider="fal", model="fal-ai/flux/dev", mode="txt2img",
              prompt="from elsewhere", request={})
    studio.store.create_job(job)  # e.g. the CLI or the runner: no UI call involved
    qtbot.waitUntil(lambda: window.queue.model.rowCount() == 1)
    qtbot.waitUntil(lambda: window.queue.stack.currentWidget() is window.queue.view, timeout=1000)
    studio.store.update_job(job.id, status=JobStatus.QUEUED)
    studio.store.update_job(job.id, status=JobStatus.SUBMITTING)
    studio.store.update_job(job.id, status=JobStatus.SUBMITTED, remote={"remote_id": "r"})
    studio.store.update_job(job.id, status=JobStatus.RUNNING, progress=0.5,
                            started_at=time.time() - 10)
    qtbot.waitUntil(lambda: _status(window) == JobStatus.RUNNING)
    assert window.queue.model.job_at(0).progress == 0.5
    assert window.queue.model.data(window.queue.model.index(0, 5)) == "~10 s"  # half way
    # Past the point the progress promised, the ETA never reads "~0 s" while it runs.
    studio.store.update_job(job.id, progress=0.999)
    qtbot.waitUntil(lambda: window.queue.model.job_at(0).progress == 0.999)
    assert window.queue.model.data(window.queue.model.index(0, 5)) == "any moment"


def test_copy_request_and_open_log(window, qtbot, studio, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    asset = add_output(studio, prompt="copy me")
    qtbot.waitUntil(lambda: window.queue.model.rowCount() == 1)
    window.queue.select_job(asset.job_id)
    window.queue.actions_["copy"].trigger()
    copied = json.loads(QGuiApplication.clipboard().text())
    assert copied["headers"]["Authorization"] == "Key ***"
    assert copied["body"]["prompt"] == "copy me"
    window.queue.actions_["reveal"].trigger()
    assert opened and opened[-1].toLocalFile().endswith(asset.job_id)
    window.queue.actions_["log"].trigger()  # no log written for this hand-made job
    assert any("no log" in t for t in window.toasts.visible_texts())
