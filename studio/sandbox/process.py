"""The sandbox in a process of its own: `python -m studio.sandbox`, its URL read from the
first line it prints. The standard library only, so the desktop app can start it before
it loads anything else and read its URL only when the service needs it: the sandbox then
comes up on the other core while the window is built (bench/gui_startup, `--sandbox`).
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, TypedDict, Unpack

URL_PREFIX = "SANDBOX_URL="


class SandboxStartError(RuntimeError):
    """The sandbox did not come up; the message says why."""


class SandboxLaunch:
    """A sandbox process starting: `url()` waits for the address it prints."""

    def __init__(self, process: subprocess.Popen[str], stderr: IO[str]) -> None:
        self.process = process
        self._stderr = stderr  # the child keeps its own handle on this (unlinked) file
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._url: str | None = None
        threading.Thread(target=_pump_lines, args=(process, self._lines), daemon=True,
                         name="sandbox-stdout").start()

    def url(self, timeout: float = 20.0) -> str:
        """The sandbox's URL once it serves; SandboxStartError (and the process stopped)
        if it exits or prints nothing within `timeout` seconds."""
        if self._url is None:
            self._url = _wait_for_url(self._lines, timeout)
            if self._url is None:
                raise self._failed(timeout)
            self._stderr.close()
        return self._url

    def stop(self) -> None:
        """Terminate it (kill it if it does not go within 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if not self._stderr.closed:
            self._stderr.close()

    def _failed(self, timeout: float) -> SandboxStartError:
        try:
            # Its stdout may close a moment before the process is reaped.
            exit_code: int | None = self.process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            exit_code = None
            self.process.kill()
            self.process.wait(timeout=5)
        self._stderr.seek(0)
        tail = self._stderr.read()[-2000:].strip()
        self._stderr.close()
        why = (
            f"exited with code {exit_code}"
            if exit_code is not None
            else f"printed no {URL_PREFIX} line within {timeout:g} s and was killed"
        )
        return SandboxStartError(f"sandbox process {why}; stderr:\n{tail or '(empty)'}")


class SandboxOptions(TypedDict, total=False):
    """The flags of `python -m studio.sandbox` (`queue_seconds` is `--queue-seconds`...),
    and the Python that runs it."""

    host: str
    port: int
    queue_seconds: float
    run_seconds: float
    run_jitter: float
    jitter_seed: int
    python: str


def start_sandbox_process(**options: Unpack[SandboxOptions]) -> SandboxLaunch:
    """Start `python -m studio.sandbox` (on 127.0.0.1, a free port, unless told otherwise);
    do not wait for it (`SandboxLaunch.url`)."""
    flags = {"host": "127.0.0.1", "port": 0, **options}
    command = [str(flags.pop("python", sys.executable)), "-m", "studio.sandbox"]
    popen_flags = 0
    if getattr(sys, "frozen", False):
        # A bundled app has no `python -m`: its studio-cli runs the sandbox (packaging/).
        cli = Path(sys.executable).with_name("studio-cli.exe" if os.name == "nt" else "studio-cli")
        command = [str(cli), "--run-sandbox"]
        popen_flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console on Windows
    for name, value in flags.items():
        if value is not None:
            command += [f"--{name.replace('_', '-')}", str(value)]
    env = dict(os.environ)
    # The child must import this same checkout even when it is not installed.
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    # Closed by the SandboxLaunch (once the URL is read, or on failure or stop).
    stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
            creationflags=popen_flags,
        )
    except BaseException:
        stderr.close()
        raise
    return SandboxLaunch(process, stderr)


def spawn_sandbox_process(*, timeout: float = 20.0,
                          **options: Unpack[SandboxOptions]) -> tuple[subprocess.Popen[str], str]:
    """Start the sandbox and return (process, url) once it prints its URL."""
    launch = start_sandbox_process(**options)
    return launch.process, launch.url(timeout)


def _wait_for_url(lines: queue.Queue[str | None], timeout: float) -> str | None:
    """The URL from the first SANDBOX_URL= line, or None on exit or timeout."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            return None
        if line is None:
            return None
        if line.startswith(URL_PREFIX):
            return line[len(URL_PREFIX) :].strip()
    return None


def _pump_lines(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    """Read the child's stdout so the pipe never fills; None marks the end."""
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line)
    lines.put(None)
