"""Shared fixtures: an isolated STUDIO_HOME, an in-memory keyring, a sandbox server."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from studio.core.paths import StudioPaths


def pytest_configure(config: pytest.Config) -> None:
    """The session's own STUDIO_HOME, before any test module is imported: what importing
    the studio writes (studio-cli's code cache) stays out of the real user's folders.
    Each test's `home` fixture still sets a home of its own."""
    home = tempfile.mkdtemp(prefix="studio-tests-")
    os.environ["STUDIO_HOME"] = home
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))


TEST_KEY = "test-key-5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f"


class MemoryKeyring(KeyringBackend):
    """A secure-looking backend that keeps keys in memory, for tests only."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.items:
            raise keyring.errors.PasswordDeleteError(username)
        del self.items[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    old = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(old)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    from keyring.backends import fail

    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(old)


def provider_env_names() -> set[str]:
    """Every variable a provider or the studio reads, from the provider declarations."""
    import os

    from studio.core.declarations import env_names
    from studio.providers import assistant_infos, infos

    stray = {n for n in os.environ if n.startswith("STUDIO_") and n.endswith("_BASE_URL")}
    return env_names([*infos(), *assistant_infos()]) | stray


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StudioPaths:
    """An empty STUDIO_HOME; provider key variables cleared so the host's keys never leak in."""
    for name in provider_env_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STUDIO_HOME", str(tmp_path / "home"))
    return StudioPaths.resolve(tmp_path / "home")


def scan_for_secret(root: Path, secret: str) -> list[Path]:
    """Every file under root whose bytes contain the secret."""
    needle = secret.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


@pytest.fixture(scope="session")
def sandbox_server():
    """One fast sandbox for the whole run (faults are reset per test by `sandbox`)."""
    from studio.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(queue_seconds=0.1, run_seconds=0.3)) as server:
        yield server


_ADMIN = None


def sandbox_admin():
    """One httpx client for the sandbox's admin routes (/_sandbox/...), kept for the run: a
    new client per call (httpx.get(...)) builds a TLS context each time, ~25 ms. No kept
    connections, so a request never meets one the server has just closed."""
    global _ADMIN
    import httpx

    if _ADMIN is None:
        _ADMIN = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))
    return _ADMIN


@pytest.fixture
def sandbox(sandbox_server):
    admin = sandbox_admin()
    admin.delete(f"{sandbox_server.url}/_sandbox/faults")
    admin.delete(f"{sandbox_server.url}/_sandbox/requests")
    yield sandbox_server
    admin.delete(f"{sandbox_server.url}/_sandbox/faults")


def sandbox_requests(server, provider: str | None = None) -> list[dict]:
    params = {"provider": provider} if provider else {}
    return sandbox_admin().get(f"{server.url}/_sandbox/requests", params=params).json()


def sandbox_posts(server, provider: str) -> list[dict]:
    """The provider's POSTs: the submits, without the balance reads around them."""
    return [r for r in sandbox_requests(server, provider) if r["method"] == "POST"]


def set_faults(server, **faults) -> None:
    sandbox_admin().post(f"{server.url}/_sandbox/faults", json=faults).raise_for_status()


def instant_jobs(server) -> None:
    """Sandbox jobs done at their first poll, for tests about what a job makes rather than
    the wait for it (the `sandbox` fixture restores the timings for the next test)."""
    set_faults(server, queue_seconds=0, run_seconds=0)


# -- RunPod pods: a sandbox with a frozen clock, so costs and uptimes are exact ------------


@pytest.fixture(scope="module")
def pod_sandbox():
    from studio.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(frozen_clock=0.0, queue_seconds=0.05,
                                     run_seconds=0.2)) as server:
        yield server


@pytest.fixture
def cloud(pod_sandbox):
    """The pod sandbox with no pods and no faults."""
    admin = sandbox_admin()
    admin.post(f"{pod_sandbox.url}/_sandbox/reset").raise_for_status()
    yield pod_sandbox
    admin.delete(f"{pod_sandbox.url}/_sandbox/faults")


def advance(server, seconds: float) -> None:
    """Move the frozen clock on (pods' uptime and cost)."""
    sandbox_admin().post(f"{server.url}/_sandbox/clock",
                         json={"advance": seconds}).raise_for_status()


def sandbox_pods(server) -> list[dict]:
    return sandbox_admin().get(f"{server.url}/runpod_pods/v2/pods",
                               headers={"Authorization": "Bearer x"}).json()["pods"]


@pytest.fixture
def collector_on():
    """The garbage collector on for the test, as it was afterwards (process start-up tests)."""
    import gc

    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()
