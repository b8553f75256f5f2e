"""Queue actions that spend or recover money: Retry re-runs only what did not succeed,
running a succeeded job again asks first with its price, Check again fetches what the
provider finished, and a job another process drives is shown as such."""

from __future__ import annotations

import time

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from studio.core.jobs import Job, JobStatus, new_job_id
from studio.core.leases import new_owner_id
from tests.ui.conftest import add_output

pytestmark = pytest.mark.gui

SCHNELL = "fal-ai/flux/schnell"
REQUEST = {"provider": "fal", "model": SCHNELL, "prompt": "again", "negative_prompt": None,
           "seed": 3, "params": {}, "input_images": []}


@pytest.fixture
def studio(live_studio):
    return live_studio


def _finished_job(studio, status: JobStatus, *, remote: str | None = None) -> Job:
    """A job that ended as `status`, written through the store's state machine."""
    job = studio.store.create_job(Job(id=new_job_id(), provider="fal", model=SCHNELL,
                                      mode="txt2img", prompt="again", request=REQUEST,
                                      dry_run=False))
    studio.store.update_job(job.id, status=JobStatus.QUEUED)
    studio.store.update_job(job.id, status=JobStatus.SUBMITTING)
    if remote or status is not JobStatus.FAILED:
        studio.store.update_job(job.id, status=JobStatus.SUBMITTED,
                                remote={"remote_id": remote or "r-" + job.id, "urls": {}})
    return studio.store.update_job(job.id, status=status, finished_at=time.time(),
                                   error="it went wrong" if status is JobStatus.FAILED else None)


def _select(window, qtbot, *job_ids):
    """Select these jobs in the view (which shows the model through the status filter)."""
    queue = window.queue
    qtbot.waitUntil(lambda: all(queue.row_of(j) >= 0 for j in job_ids))
    queue.view.clearSelection()
    flags = queue.view.selectionModel().SelectionFlag
    for job_id in job_ids:
        index = queue.proxy.index(queue.row_of(job_id), 0)
        queue.view.selectionModel().select(index, flags.Select | flags.Rows)
    assert {j.id for j in queue.selected_jobs()} == set(job_ids)


def _retries_of(window, job_id):
    model = window.queue.model
    return [j for r in range(model.rowCount()) if (j := model.job_at(r)).retried_from == job_id]


def test_ctrl_return_with_ctrl_held_selects_only_the_new_job(window, qtbot, studio):
    done = add_output(studio, model=SCHNELL, prompt="first")
    queue = window.queue
    _select(window, qtbot, done.job_id)
    compose = window.compose
    compose.prompt.setPlainText("second")
    compose.targets.set_checked(("fal", SCHNELL))
    compose.revalidate()
    QTest.keyPress(window, Qt.Key.Key_Control, Qt.KeyboardModifier.ControlModifier)
    try:
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: queue.model.rowCount() == 2, timeout=5000)
        new = queue.model.job_at(0)
        qtbot.waitUntil(lambda: [j.id for j in queue.selected_jobs()] == [new.id])
        # Ctrl+R at once, Ctrl still held: the new job is running, the old one is not touched.
        qtbot.keyClick(queue.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    finally:
        QTest.keyRelease(window, Qt.Key.Key_Control, Qt.KeyboardModifier.NoModifier)
    qtbot.waitUntil(lambda: queue.model.job_at(0).status is JobStatus.SUCCEEDED, timeout=15_000)
    assert queue.model.rowCount() == 2 and _retries_of(window, done.job_id) == []


def test_retry_re_runs_only_the_jobs_that_did_not_succeed(window, qtbot, studio):
    failed = _finished_job(studio, JobStatus.FAILED)
    unknown = _finished_job(studio, JobStatus.UNKNOWN)
    succeeded = add_output(studio, model=SCHNELL, prompt="paid for")
    _select(window, qtbot, failed.id, unknown.id, succeeded.job_id)
    retry = window.queue.actions_["retry"]
    qtbot.waitUntil(retry.isEnabled, timeout=1000)
    assert retry.text() == "Retry"
    retry.trigger()
    qtbot.waitUntil(lambda: window.queue.model.rowCount() == 5, timeout=5000)
    assert len(_retries_of(window, failed.id)) == 1
    assert len(_retries_of(window, unknown.id)) == 1
    assert _retries_of(window, succeeded.job_id) == []
    assert window.queue.confirm is None  # nothing that succeeded was offered again


def test_under_a_status_filter_the_actions_act_on_the_rows_shown(window, qtbot, studio):
    succeeded = add_output(studio, model=SCHNELL, prompt="paid for")
    failed = _finished_job(studio, JobStatus.FAILED)
    unknown = _finished_job(studio, JobStatus.UNKNOWN, remote="r-kept")
    queue = window.queue
    qtbot.waitUntil(lambda: queue.model.rowCount() == 3)
    queue.status_filter.setCurrentIndex(queue.status_filter.findText("Failed or refused"))
    assert queue.row_of(succeeded.job_id) == -1  # hidden: its model row is not a view row
    # View row 0 is the newest shown job (unknown), whatever the model's row 0 holds.
    flags = queue.view.selectionModel().SelectionFlag
    queue.view.selectionModel().select(queue.proxy.index(0, 0), flags.ClearAndSelect | flags.Rows)
    assert [j.id for j in queue.selected_jobs()] == [unknown.id]
    qtbot.waitUntil(queue.actions_["check"].isEnabled, timeout=1000)
    _select(window, qtbot, failed.id)
    assert not queue.actions_["check"].isEnabled()  # never reached the provider
    queue.actions_["retry"].trigger()
    qtbot.waitUntil(lambda: len(_retries_of(window, failed.id)) == 1, timeout=5000)
    assert _retries_of(window, succeeded.job_id) == [] and _retries_of(window, unknown.id) == []


def test_running_a_succeeded_job_again_asks_first_with_its_price(window, qtbot, studio):
    succeeded = add_output(studio, model=SCHNELL, prompt="paid for")
    studio.store.update_job(succeeded.job_id, request=REQUEST)
    _select(window, qtbot, succeeded.job_id)
    retry = window.queue.actions_["retry"]
    qtbot.waitUntil(lambda: retry.text() == "Run again…", timeout=1000)
    retry.trigger()
    box = window.queue.confirm
    assert box is not None and box.isVisible()
    assert "already succeeded" in box.text() and "$0.003" in box.text()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: not box.isVisible())
    assert window.queue.model.rowCount() == 1  # nothing was sent
    retry.trigger()
    box = window.queue.confirm
    [run] = [b for b in box.buttons() if b.text() == "Run again"]
    run.click()
    qtbot.waitUntil(lambda: len(_retries_of(window, succeeded.job_id)) == 1, timeout=5000)


def test_check_again_fetches_what_the_provider_finished(window, qtbot, studio):
    httpx.delete(f"{studio.sandbox_url}/_sandbox/requests")
    window.compose.prompt.setPlainText("check me")
    window.compose.targets.set_checked(("fal", SCHNELL))
    window.compose.revalidate()
    window.compose.generate()
    queue = window.queue
    qtbot.waitUntil(lambda: queue.model.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(lambda: queue.model.job_at(0).status is JobStatus.SUCCEEDED, timeout=15_000)
    job = queue.model.job_at(0)
    # What a long outage of status checks leaves: unknown, remote id kept, nothing saved.
    with studio.store.transaction() as db:
        db.execute("DELETE FROM assets WHERE job_id=?", (job.id,))
        db.execute("UPDATE jobs SET status='unknown', recoverable=1 WHERE id=?", (job.id,))
    studio.store.update_job(job.id, message="the provider did not answer in time")
    qtbot.waitUntil(lambda: queue.model.job_at(0).status is JobStatus.UNKNOWN)
    _select(window, qtbot, job.id)
    check = queue.actions_["check"]
    qtbot.waitUntil(check.isEnabled, timeout=1000)
    check.trigger()
    qtbot.waitUntil(lambda: queue.model.job_at(0).status is JobStatus.SUCCEEDED, timeout=15_000)
    assert len(studio.store.assets_for_job(job.id)) == 1
    posts = [r for r in httpx.get(f"{studio.sandbox_url}/_sandbox/requests",
                                  params={"provider": "fal"}).json() if r["method"] == "POST"]
    assert len(posts) == 1  # fetched again, never sent again


def test_check_again_says_why_when_it_cannot(window, qtbot, studio):
    never_sent = _finished_job(studio, JobStatus.FAILED)  # no remote id
    _select(window, qtbot, never_sent.id)
    qtbot.waitUntil(lambda: window.queue.actions_["retry"].isEnabled(), timeout=1000)
    assert not window.queue.actions_["check"].isEnabled()
    busy = _finished_job(studio, JobStatus.UNKNOWN)
    owner = new_owner_id()
    with studio.store.transaction() as db:  # another process is asking about it right now
        db.execute("INSERT INTO leases VALUES (?, ?, ?, ?, ?)",
                   (busy.id, owner, time.time(), time.time(), time.time() + 60))
    _select(window, qtbot, busy.id)
    qtbot.waitUntil(window.queue.actions_["check"].isEnabled, timeout=1000)
    window.queue.actions_["check"].trigger()
    qtbot.waitUntil(lambda: any("another Provider Studio process" in t
                                for t in window.toasts.visible_texts()), timeout=5000)
    assert studio.store.get_job(busy.id).status is JobStatus.UNKNOWN


def test_a_job_driven_by_another_process_is_shown_as_such(window, qtbot, studio):
    job = studio.store.create_job(Job(id=new_job_id(), provider="fal", model=SCHNELL,
                                      mode="txt2img", prompt="elsewhere", request=REQUEST,
                                      dry_run=False))
    for status, extra in ((JobStatus.QUEUED, {}), (JobStatus.SUBMITTING, {}),
                          (JobStatus.SUBMITTED, {"remote": {"remote_id": "r-x"}})):
        studio.store.update_job(job.id, status=status, **extra)
    owner = new_owner_id()
    with studio.store.transaction() as db:
        db.execute("INSERT INTO leases VALUES (?, ?, ?, ?, ?)",
                   (job.id, owner, time.time(), time.time(), time.time() + 60))
    model = window.queue.model
    qtbot.waitUntil(lambda: model.row_of(job.id) >= 0)
    # Its progress is written by that process: no event reaches this one.
    with studio.store.transaction() as db:
        db.execute("UPDATE jobs SET status='running', progress=0.4 WHERE id=?", (job.id,))
    model.refresh_elsewhere()
    index = model.index(model.row_of(job.id), 3)
    assert "other process" in model.data(index)
    assert owner in model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert model.job_at(model.row_of(job.id)).progress == 0.4
    with studio.store.transaction() as db:  # that process let go
        db.execute("DELETE FROM leases WHERE job_id=?", (job.id,))
    model.refresh_elsewhere()
    assert "other process" not in model.data(index)
