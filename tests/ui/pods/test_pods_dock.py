"""The Pods dock and the pods' part of the quit question, against the sandbox."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from PySide6.QtWidgets import QMessageBox

from studio.core.paths import StudioPaths
from studio.core.service import Studio
from studio.providers.runpod_pods import CreatePod, server_id
from studio.sandbox import SandboxConfig, SandboxServer
from tests.conftest import sandbox_pods
from tests.ui.conftest import enable_flags, open_window, run

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def pod_sandbox():
    with SandboxServer(SandboxConfig(queue_seconds=0.05, run_seconds=0.2)) as server:
        yield server


@pytest.fixture
def studio(tmp_path, ui_keyring, loop, qapp, pod_sandbox):
    httpx.post(f"{pod_sandbox.url}/_sandbox/reset").raise_for_status()
    httpx.post(f"{pod_sandbox.url}/_sandbox/runpod_pods", json={"boot_seconds": 0.2})
    s = Studio(StudioPaths.resolve(tmp_path / "home"), env={}, sandbox_url=pod_sandbox.url)
    enable_flags(s)
    yield s
    task = asyncio.ensure_future(s.aclose())
    deadline = time.monotonic() + 10
    while not task.done() and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.002)


@pytest.fixture
def window(session, qtbot):
    yield from open_window(session, qtbot)


def make_pod(qtbot, studio, name="gpu-one") -> str:
    row = run(qtbot, studio.pods.create(CreatePod(name=name, gpu_type_id="NVIDIA GeForce RTX 4090",
                                                  template_id="runpod-comfyui")))
    assert row.live and not row.error
    return row.pod_id


def refresh(qtbot, dock) -> None:
    with qtbot.waitSignal(dock.refreshed, timeout=10_000):
        dock.refresh()


def test_create_watch_stop_and_terminate_from_the_dock(window, qtbot, studio, pod_sandbox):
    dock = window.pods_dock
    refresh(qtbot, dock)
    assert dock.gpu_table.rowCount() == 4 and dock.template_table.rowCount() == 2
    assert "Balance $100.00" in dock.account.text()
    assert not window.pods_cost.isVisible()

    dialog = dock.open_create()
    assert dialog.ok.text() == "Create"
    dialog.gpu.setCurrentIndex(dialog.gpu.findData("NVIDIA GeForce RTX 4090"))
    assert "$0.69 per hour" in dialog.price.text()
    dialog.name.setText("from-dialog")
    dialog.ok.click()
    qtbot.waitUntil(lambda: len(sandbox_pods(pod_sandbox)) == 1, timeout=10_000)
    pod_id = sandbox_pods(pod_sandbox)[0]["id"]
    # The dock waits for the pod's ComfyUI and registers it as a server of its own.
    qtbot.waitUntil(lambda: server_id(pod_id) in studio.providers, timeout=20_000)
    qtbot.waitUntil(lambda: window.session.entry(server_id(pod_id)) is not None, timeout=5000)
    qtbot.waitUntil(lambda: dock.table.rowCount() == 1 and dock.table.item(0, 6).text()
                    == server_id(pod_id), timeout=10_000)
    assert dock.table.item(0, 0).text() == "from-dialog"
    assert dock.table.item(0, 1).text() == "Running"
    assert window.pods_cost.isVisible(), (window.pods_cost.text(), studio.pods.known)
    assert "$0.69/h" in window.pods_cost.text()

    dock.table.selectRow(0)
    assert dock.buttons["Stop"].isEnabled() and not dock.buttons["Start"].isEnabled()
    dock.buttons["Stop"].click()
    qtbot.waitUntil(lambda: dock.table.item(0, 1).text() == "Exited", timeout=10_000)
    assert server_id(pod_id) not in studio.providers
    qtbot.waitUntil(lambda: not window.pods_cost.isVisible(), timeout=5000)

    dock.table.selectRow(0)
    box = dock.confirm_terminate()
    text = box.text()
    assert "from-dialog" in text and "so far" in text and "$0.69 per hour" in text
    assert "lost" in text and "cannot be started again" in text
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    [yes] = [b for b in box.buttons() if b.text() == "Terminate"]
    yes.click()
    qtbot.waitUntil(lambda: sandbox_pods(pod_sandbox) == [], timeout=10_000)
    qtbot.waitUntil(lambda: dock.table.rowCount() == 0, timeout=10_000)


def test_create_without_the_flag_is_a_dry_run(window, qtbot, studio, pod_sandbox):
    studio.sandbox_live = False  # flags decide, as outside the sandbox (where all is live)
    settings = studio.settings.model_copy(deep=True)
    settings.features.enable_public_image_providers = False
    studio.update_settings(settings)
    dock = window.pods_dock
    refresh(qtbot, dock)
    dialog = dock.open_create()
    assert dialog.ok.text() == "Record dry-run"
    dialog.ok.click()
    qtbot.waitUntil(lambda: bool(studio.pods.records.actions()), timeout=5000)
    [row] = studio.pods.records.actions()
    assert row.dry_run and row.usd_per_hour is not None and sandbox_pods(pod_sandbox) == []


def test_quit_with_a_pod_running_asks_once_and_can_stop_it(window, qtbot, studio,
                                                           pod_sandbox):
    pod_id = make_pod(qtbot, studio)
    refresh(qtbot, window.pods_dock)
    window.quit_action.trigger()
    box = window.quit_question
    assert box is not None and box.isVisible()
    text = box.text()
    assert "1 RunPod pod is running (gpu-one)" in text and "$0.69 per hour" in text
    assert "job" not in box.windowTitle().lower() or "pods" in box.windowTitle().lower()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    [stop] = [b for b in box.buttons() if b.text() == "Stop pod and quit"]
    with qtbot.waitSignal(window.closed, timeout=10_000):
        stop.click()
    assert sandbox_pods(pod_sandbox)[0]["status"] == "EXITED"
    assert pod_id == sandbox_pods(pod_sandbox)[0]["id"]


def test_quit_can_leave_the_pod_running(window, qtbot, studio, pod_sandbox):
    make_pod(qtbot, studio, name="keep-me")
    refresh(qtbot, window.pods_dock)
    window.quit_action.trigger()
    box = window.quit_question
    [leave] = [b for b in box.buttons() if b.text() == "Leave running and quit"]
    with qtbot.waitSignal(window.closed, timeout=10_000):
        leave.click()
    assert sandbox_pods(pod_sandbox)[0]["status"] in ("PROVISIONING", "STARTING",
                                                      "RUNNING")


def test_the_idle_minutes_are_a_setting(window, qtbot, studio):
    dialog = window.open_settings()
    assert dialog.pods.values()["idle_minutes"] == 15
    dialog.pods.fields["idle_minutes"].set_value(5)
    dialog.save()
    assert studio.settings.pods.idle_minutes == 5


def test_a_window_opened_with_pods_in_use_reads_them_at_once(session, qtbot, studio,
                                                             pod_sandbox):
    make_pod(qtbot, studio, name="left-running")
    assert studio.pods.in_use()
    window = next(open_window(session, qtbot))
    qtbot.waitUntil(lambda: window.pods_dock.table.rowCount() == 1, timeout=10_000)
    assert window.pods_cost.isVisible() and "1 up" in window.pods_cost.text()
    window.close()


def test_jobs_and_pods_make_one_question(qtbot):
    from PySide6.QtWidgets import QWidget

    from studio.ui.pods import quit_question

    parent = QWidget()
    qtbot.addWidget(parent)
    pods = [{"pod_id": "a", "name": "gpu-a", "usd_per_hour": 0.69, "status": "RUNNING"},
            {"pod_id": "b", "name": "gpu-b", "usd_per_hour": 0.54, "status": "RUNNING"}]
    box, leave, stop = quit_question(parent, 2, pods)
    text = box.text()
    assert box.windowTitle() == "Quit with jobs and pods running?"
    assert "2 jobs are still running" in text
    assert "2 RunPod pods are running (gpu-a, gpu-b)" in text and "$1.23 per hour" in text
    assert stop is not None and stop.text() == "Stop pods and quit"
    assert leave.text() == "Leave running and quit"
    box, leave, stop = quit_question(parent, 1, [])
    assert stop is None and leave.text() == "Quit" and "RunPod" not in box.text()


def test_the_dock_is_built_when_first_shown_for_a_studio_that_never_ran_pods(
        window, qtbot, studio):
    dock = window.pods_dock
    assert not studio.pods_in_use()
    assert not dock.page.built  # a tab behind the Queue: nothing built at start-up
    assert not window.pods_cost.isVisible()
    qtbot.wait(50)  # the window's first events: the dock behind the Queue stays unbuilt
    assert not dock.page.built
    with qtbot.waitSignal(dock.visibilityChanged, timeout=5000):
        dock.raise_()  # the artist clicks the Pods tab
    qtbot.waitUntil(lambda: dock.page.built, timeout=2000)
    assert dock.panel.timer.isActive()
    assert dock.table.columnCount() == 7
    assert dock.account.text() == "RunPod: not checked yet"


def test_pods_from_an_earlier_run_build_the_dock_at_start(session, qtbot, studio):
    make_pod(qtbot, studio)  # a live create: this studio runs pods
    assert studio.pods_in_use()
    opened = open_window(session, qtbot)
    window = next(opened)
    try:
        dock = window.pods_dock
        assert dock.page.built  # its timer and the idle guard run from the start
        assert dock.panel.timer.isActive()
        refresh(qtbot, dock)
        assert dock.table.rowCount() == 1
        qtbot.waitUntil(window.pods_cost.isVisible, timeout=5000)
        assert "1 up" in window.pods_cost.text()
    finally:
        next(opened, None)


def relaunch(qtbot, studio, front=None):
    """The app's way in: the frame is shown first, then the service's widgets fill it
    (launch._run), with the layout saved by the last window. `front` raised, then closed."""
    from studio.ui.main_window import MainWindow
    from studio.ui.session import Session

    session = Session(studio)
    window = MainWindow(config_dir=studio.paths.config_dir)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.attach(session)
    qtbot.wait(50)  # restoreState's events, then the deferred look at the Pods tab
    built = window.pods_dock.page.built
    if front is not None:
        getattr(window, front).raise_()
        qtbot.wait(50)
    window.close()
    session.detach()
    return built


def test_a_restored_layout_builds_the_pods_tab_only_when_it_is_in_front(qtbot, studio):
    assert not relaunch(qtbot, studio)  # first start: the Queue in front
    assert not relaunch(qtbot, studio, front="pods_dock")  # saved with the Pods in front
    assert relaunch(qtbot, studio, front="queue")  # restored with the Pods in front: built
    assert not relaunch(qtbot, studio)  # the Queue in front again: restoreState shows the
    # Pods dock for a moment, which must not build it
