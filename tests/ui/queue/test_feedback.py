"""Feedback while jobs run and end: one merged toast with readable names and the whole
prompts on hover, never over the Queue; a desktop notification for a long job that ends
while the window is in the background; the title says what is running; the Queue filters
by status, clears finished jobs from view and never shows "~0 s" for a job still running."""

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSystemTrayIcon

from studio.core.jobs import Job, JobStatus, new_job_id

pytestmark = pytest.mark.gui

FLOW = (JobStatus.QUEUED, JobStatus.SUBMITTING, JobStatus.SUBMITTED, JobStatus.RUNNING)


def job(studio, model="fal-ai/flux/dev", prompt="a lighthouse at dusk, oil painting, "
        "long prompt with many words", ago=0.0, end=JobStatus.SUCCEEDED, took=0.0, **running):
    made = Job(id=new_job_id(), provider="fal", model=model, mode="txt2img", prompt=prompt,
               request={}, dry_run=False, created_at=time.time() - ago)
    studio.store.create_job(made)
    for status in FLOW:
        studio.store.update_job(made.id, status=status,
                                **({"remote": {"remote_id": "r"}} if status is
                                   JobStatus.SUBMITTED else {}))
    if running:
        return studio.store.update_job(made.id, **running)
    if end is JobStatus.FAILED:
        return studio.store.update_job(made.id, status=end, error="GPU out of memory",
                                       finished_at=time.time())
    return studio.store.update_job(made.id, status=end, finished_at=time.time() + took)


def finished_toasts(window):
    return [t for t in window.toasts.toasts if t.isVisible() and t.key == "finished"]


def test_endings_merge_into_one_toast_with_names_and_prompts(window, qtbot, studio):
    for model in ("fal-ai/flux/dev", "fal-ai/flux/schnell", "fal-ai/flux-pro/v1.1"):
        job(studio, model=model)
    qtbot.waitUntil(lambda: len(finished_toasts(window)) == 1 and
                    finished_toasts(window)[0].label.text().startswith("3 jobs finished"))
    [toast] = finished_toasts(window)
    assert "FLUX.1 [dev]" in toast.label.text() and "fal-ai/" not in toast.label.text()
    assert "long prompt with many words" in toast.toolTip()  # the whole prompt on hover
    job(studio, prompt="a fourth one")
    qtbot.waitUntil(lambda: finished_toasts(window)[0].label.text().startswith("4 jobs"))
    assert len(finished_toasts(window)) == 1
    job(studio, end=JobStatus.FAILED)
    qtbot.waitUntil(lambda: any(t.startswith("Failed: FLUX.1 [dev] — GPU out of memory")
                                for t in window.toasts.visible_texts()))
    queue = window.queue.geometry()
    for toast in window.toasts.toasts:
        assert not toast.geometry().intersects(queue)  # the Queue's columns stay readable
        assert not toast.geometry().intersects(window.inspector.geometry())


def test_a_long_job_ending_in_the_background_notifies_the_desktop(window, qtbot, studio,
                                                                   monkeypatch):
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    sent = []
    window.notifier.notified.connect(lambda *args: sent.append(args))
    job(studio, ago=60)  # the window is in front: a toast, no desktop notice
    qtbot.waitUntil(lambda: bool(finished_toasts(window)))
    assert sent == []
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized)
    job(studio, ago=2)  # short: not worth interrupting anyone
    job(studio, model="fal-ai/flux/schnell", ago=45)
    qtbot.waitUntil(lambda: len(sent) == 1, timeout=3000)
    title, text, in_tray = sent[0]
    assert title == "Provider Studio" and text.startswith("Finished: FLUX.1 [schnell]")
    assert in_tray and window.notifier.tray is not None and window.notifier.tray.isVisible()
    window.showNormal()


def test_the_title_says_what_is_running(window, qtbot, studio):
    base = window.windowTitle()
    running = job(studio, progress=0.42)
    qtbot.waitUntil(lambda: window.windowTitle() == f"(1 running · 42%) {base}")
    studio.store.update_job(running.id, status=JobStatus.SUCCEEDED, finished_at=time.time())
    qtbot.waitUntil(lambda: window.windowTitle() == base)


def test_filter_by_status_and_clear_finished(window, qtbot, studio):
    done = job(studio)
    failed = job(studio, end=JobStatus.FAILED)
    running = job(studio, progress=0.1)
    refused = studio.store.create_job(Job(id=new_job_id(), provider="fal", model="m",
                                          mode="txt2img", prompt="a fox", request={},
                                          dry_run=False, created_at=time.time() - 60))
    studio.store.update_job(refused.id, status=JobStatus.REFUSED, error="over the daily budget",
                            finished_at=time.time())
    queue = window.queue
    qtbot.waitUntil(lambda: queue.proxy.rowCount() == 4)
    queue.status_filter.setCurrentIndex(queue.status_filter.findText("Failed or refused"))
    shown = [queue.job_at(r).id for r in range(queue.proxy.rowCount())]
    assert sorted(shown) == sorted([failed.id, refused.id])  # a refusal is not lost
    queue.status_filter.setCurrentIndex(queue.status_filter.findText("Running"))
    assert [queue.job_at(r).id for r in range(queue.proxy.rowCount())] == [running.id]
    studio.store.update_job(running.id, status=JobStatus.SUCCEEDED, finished_at=time.time())
    qtbot.waitUntil(lambda: queue.proxy.rowCount() == 0)  # it left the filter as it ended
    qtbot.waitUntil(lambda: "No jobs to show" in queue.empty.text())
    queue.status_filter.setCurrentIndex(0)
    assert queue.clear_action.isEnabled()
    still = job(studio, progress=0.2)
    qtbot.waitUntil(lambda: queue.proxy.rowCount() == 5)
    queue.clear_action.trigger()
    assert [queue.job_at(r).id for r in range(queue.proxy.rowCount())] == [still.id]
    assert queue.model.rowCount() == 5  # only hidden from the view
    assert window.session.preferences().queue_cleared_before is not None
    assert studio.store.get_job(done.id) is not None
    queue.select_job(still.id)
    qtbot.keyClick(queue.view, Qt.Key.Key_Delete)  # Del still cancels in the Queue


def test_eta_is_never_zero_while_running(window, qtbot, studio):
    for _ in range(2):  # history: this model takes about 5 s from the request's start
        made = job(studio, took=5)
        assert made.status is JobStatus.SUCCEEDED
    late = job(studio, ago=30, progress=None)
    model = window.queue.model
    qtbot.waitUntil(lambda: model.row_of(late.id) >= 0)
    model._durations.clear()
    text = model.data(model.index(model.row_of(late.id), 5))
    assert text == "any moment"
    fresh = job(studio, ago=1, progress=None)
    qtbot.waitUntil(lambda: model.row_of(fresh.id) >= 0)
    assert model.data(model.index(model.row_of(fresh.id), 5)).startswith("~")


def test_the_empty_queue_says_what_is_live_as_settings_change(window, qtbot, studio):
    from tests.ui.conftest import UI_KEY, enable_flags

    empty = window.queue.empty
    assert "Nothing is live yet, so jobs are dry-runs" in empty.text()
    enable_flags(studio)
    studio.keys.store(studio.providers["fal"].info.key, UI_KEY)
    window.session.reload_catalog()  # what Settings' Save does
    qtbot.waitUntil(lambda: "Live now: fal.ai." in empty.text(), timeout=2000)
    assert "The others are dry-runs" in empty.text()
