"""One app per STUDIO_HOME: a second launch brings the first window forward and exits 0
without touching the database; separate homes run side by side; a crash's leftovers do
not block the next start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalSocket

from studio.app.instance_lock import InstanceLock
from studio.app.single_instance import InstanceNotResponding, SingleInstance, server_name
from studio.core.paths import StudioPaths

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]
unix_only = pytest.mark.skipif(os.name == "nt", reason="Unix domain socket files")


def _env() -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env.pop("STUDIO_HOME", None)
    return env


def _unique_name() -> str:
    return f"provider-studio-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def instances(qapp):
    made: list[SingleInstance] = []

    def make(name: str, **kwargs) -> SingleInstance:
        made.append(SingleInstance(name, **kwargs))
        return made[-1]

    yield make
    for instance in made:
        instance.release()


def test_the_name_follows_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = server_name(tmp_path / "a" / "data")
    assert a == server_name("a/data") == server_name(f"{tmp_path}/a/data/")
    assert a != server_name(tmp_path / "b" / "data")
    assert a.startswith("provider-studio-") and len(a) < 60 and a.replace("-", "").isalnum()


def test_separate_homes_run_side_by_side(instances, tmp_path):
    one = instances(server_name(tmp_path / "one"))
    two = instances(server_name(tmp_path / "two"))
    assert one.acquire() and two.acquire()
    assert one.server is not None and two.server is not None


def test_a_second_launch_hands_over_without_opening_the_database(instances, qtbot, tmp_path):
    home = tmp_path / "home"
    paths = StudioPaths.resolve(home)
    first = instances(server_name(paths.data_dir))
    assert first.acquire()
    with qtbot.waitSignal(first.activated, timeout=30_000) as activated:
        second = subprocess.Popen(
            [sys.executable, "-m", "studio.app", "--home", str(home), "--sandbox"],
            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=30_000)
    out, err = second.communicate()
    assert second.returncode == 0, err[-2000:]
    assert "already running" in out
    assert activated.args[0] == ["--home", str(home), "--sandbox"]
    # It left before the service started: no database, no logs, no sandbox.
    assert not paths.db_file.exists() and not paths.log_dir.exists()


@unix_only
def test_a_socket_left_by_a_crash_is_reclaimed(instances):
    name = _unique_name()
    path = QDir(QDir.tempPath()).filePath(name)
    crashed = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    crashed.bind(path)
    crashed.close()  # the file stays, nobody listens: what a killed instance leaves
    assert os.path.exists(path)
    try:
        instance = instances(name)
        assert instance.acquire()
        probe = QLocalSocket()
        probe.connectToServer(name)
        assert probe.waitForConnected(2000)  # we listen on that name now
        probe.abort()
    finally:
        if os.path.exists(path):
            os.unlink(path)


@unix_only
def test_an_instance_that_never_answers_is_reported(instances):
    name = _unique_name()
    path = QDir(QDir.tempPath()).filePath(name)
    hung = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hung.bind(path)
    hung.listen(1)  # accepts connections, never replies
    owner = InstanceLock(name)
    assert owner.acquire()  # it holds the home, like a running (but hung) instance
    try:
        started = time.monotonic()
        with pytest.raises(InstanceNotResponding, match="did not respond"):
            instances(name, timeout_ms=300).acquire(["--sandbox"])
        assert time.monotonic() - started < 5
    finally:
        owner.release()
        hung.close()
        os.unlink(path)


SIMULTANEOUS = """
import sys, time
from PySide6.QtCore import QCoreApplication
from studio.app.single_instance import SingleInstance
app = QCoreApplication([])
instance = SingleInstance(sys.argv[1])
print("PRIMARY" if instance.acquire() else "HANDED-OVER", flush=True)
deadline = time.monotonic() + 2.0
while time.monotonic() < deadline:  # serve the other launch's hand-over
    app.processEvents()
    time.sleep(0.01)
"""


def test_two_launches_at_the_same_moment_make_one_primary():
    name = _unique_name()
    launches = [subprocess.Popen([sys.executable, "-c", SIMULTANEOUS, name], env=_env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
    outputs = sorted(p.communicate(timeout=60)[0].strip() for p in launches)
    assert outputs == ["HANDED-OVER", "PRIMARY"]


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_the_real_app_twice_then_after_a_crash(tmp_path):
    """Launch the app; a second launch exits 0 and the first logs the hand-over; kill the
    first (its socket file stays) and the next launch still starts."""
    home = tmp_path / "home"
    log = home / "logs" / "studio.log"
    app = [sys.executable, "-m", "studio.app", "--home", str(home)]
    first = subprocess.Popen([*app, "--quit-after", "60"], env=_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: log.exists() and "app.start" in log.read_text(), 60)
        second = subprocess.run(app, env=_env(), capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr[-2000:]
        assert "already running" in second.stdout
        assert _wait_for(lambda: "app.activated" in log.read_text(), 10)
    finally:
        first.kill()  # no clean-up: the socket file is left behind
        first.wait(timeout=10)
    third = subprocess.run([*app, "--quit-after", "0.5"], env=_env(), capture_output=True,
                           text=True, timeout=60)
    assert third.returncode == 0, third.stderr[-2000:]
    assert "already running" not in third.stdout
    assert log.read_text().count("app.start") == 2
