"""A private, unlocked Secret Service (gnome-keyring on its own D-Bus session bus, in a
throwaway HOME): the real backend an artist's Linux desktop has, for tests and
bench/keyring_lookup.py. Needs Debian's dbus and gnome-keyring (.ci/run installs them)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator

TOOLS = ("dbus-daemon", "gnome-keyring-daemon")
# A session bus with no service directories: nothing is started by D-Bus activation. With
# the standard ones, a call that reaches the bus before our daemon has claimed the name
# starts a second, locked gnome-keyring, and ours finds "another secret service running".
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={home}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def available() -> bool:
    return all(shutil.which(tool) for tool in TOOLS)


@contextlib.contextmanager
def private_secret_service(timeout: float = 20.0) -> Iterator[str]:
    """Start the bus and the keyring daemon (its login keyring unlocked); yield the bus
    address for DBUS_SESSION_BUS_ADDRESS; stop both on the way out."""
    with tempfile.TemporaryDirectory(prefix="secret-service-") as home:
        env = {**os.environ, "HOME": home, "XDG_RUNTIME_DIR": home,
               "XDG_DATA_HOME": os.path.join(home, "data")}
        config = os.path.join(home, "bus.conf")
        with open(config, "w", encoding="utf-8") as out:
            out.write(BUS_CONFIG.format(home=home))
        bus = subprocess.Popen(["dbus-daemon", f"--config-file={config}", "--nofork",
                                "--print-address=1"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                               text=True)
        daemon = None
        try:
            address = (bus.stdout.readline() if bus.stdout else "").strip()
            if not address:
                raise RuntimeError("dbus-daemon printed no address")
            env["DBUS_SESSION_BUS_ADDRESS"] = address
            log_path = os.path.join(home, "gnome-keyring.log")
            with open(log_path, "wb") as log:
                daemon = subprocess.Popen(
                    ["gnome-keyring-daemon", "--foreground", "--unlock",
                     "--components=secrets"],
                    stdin=subprocess.PIPE, stdout=log, stderr=log, env=env)
            assert daemon.stdin is not None
            daemon.stdin.write(b"a-test-password")  # the new login keyring's, unlocked
            daemon.stdin.close()
            try:
                _wait_until_served(address, timeout)
            except RuntimeError as exc:  # say what the daemon said
                with open(log_path, "rb") as log:
                    said = log.read()[-300:].decode("utf-8", "replace").strip()
                raise RuntimeError(f"{exc} (daemon exit {daemon.poll()}: {said!r})") from None
            yield address
        finally:
            for process in (daemon, bus):
                if process is not None:
                    process.terminate()
                    process.wait(10)


def _wait_until_served(address: str, timeout: float) -> None:
    import secretstorage

    deadline = time.monotonic() + timeout
    old = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    last = "not asked yet"
    try:
        while True:
            try:
                with contextlib.closing(secretstorage.dbus_init()) as connection:
                    if not _owned(connection, "org.freedesktop.secrets"):  # never activates
                        last = "no Secret Service on the bus yet"
                    elif secretstorage.get_default_collection(connection).is_locked():
                        last = "the default collection is locked"
                    else:
                        return
            except Exception as exc:  # not up yet
                last = f"{type(exc).__name__}: {exc}"
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Secret Service did not come up ({last})")
            time.sleep(0.05)
    finally:
        if old is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = old


def _owned(connection, name: str) -> bool:
    from jeepney import DBus

    return bool(connection.send_and_get_reply(DBus().NameHasOwner(name)).body[0])
