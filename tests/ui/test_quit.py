"""Quitting with live jobs asks first and says what happens to them; without live jobs
(or when code closes the window) it just quits."""

from __future__ import annotations

import httpx
import pytest
from PySide6.QtWidgets import QMessageBox

from studio.core.jobs import JobStatus

pytestmark = pytest.mark.gui


@pytest.fixture
def studio(live_studio):
    return live_studio


def _send(window, qtbot):
    compose = window.compose
    compose.prompt.setPlainText("a slow lighthouse")
    compose.targets.set_checked(("fal", "fal-ai/flux/schnell"))
    compose.revalidate()
    compose.generate()
    qtbot.waitUntil(lambda: window.queue.model.rowCount() == 1, timeout=5000)


def test_quit_with_live_jobs_asks_first(window, qtbot, studio, ui_sandbox):
    httpx.post(f"{ui_sandbox.url}/_sandbox/faults", json={"run_seconds": 30}).raise_for_status()
    _send(window, qtbot)
    qtbot.waitUntil(lambda: window.live_jobs() != [], timeout=5000)
    window.quit_action.trigger()
    box = window.quit_question
    assert box is not None and box.isVisible()
    text = box.text()
    assert "1 job is still running" in text and "keeps running at the provider" in text
    assert "next time it starts" in text
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: not box.isVisible())
    assert window.isVisible()  # kept open, the job still running
    assert window.queue.model.job_at(0).status.active
    window.quit_action.trigger()
    box = window.quit_question
    [quit_button] = [b for b in box.buttons() if b.text() == "Quit"]
    with qtbot.waitSignal(window.closed, timeout=5000):
        quit_button.click()
    assert not window.isVisible()
    # Closing the window does not cancel anything: the job is left for the next start.
    assert studio.store.get_job(window.queue.model.job_at(0).id).status is not \
        JobStatus.CANCELLED


def test_quit_without_live_jobs_just_quits(window, qtbot):
    assert window.live_jobs() == []
    with qtbot.waitSignal(window.closed, timeout=5000):
        window.quit_action.trigger()
    assert window.quit_question is None
