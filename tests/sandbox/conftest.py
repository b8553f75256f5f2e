"""One sandbox server for the whole sandbox test package, reset before every test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sandbox_helpers import RUNWAY_HEADERS

from studio.sandbox import SandboxConfig, SandboxServer
from tests.conftest import sandbox_admin

QUEUE_SECONDS = 0.1
RUN_SECONDS = 0.2


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(queue_seconds=QUEUE_SECONDS, run_seconds=RUN_SECONDS, log_lines=4)
    with SandboxServer(config) as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_sandbox(request: pytest.FixtureRequest) -> None:
    if "sandbox" in request.fixturenames:
        server = request.getfixturevalue("sandbox")
        assert sandbox_admin().post(f"{server.url}/_sandbox/reset").status_code == 204


@pytest.fixture
def admin(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sandbox.url}/_sandbox", timeout=10) as client:
        yield client


@pytest.fixture
def fal(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Key fal_test"}
    with httpx.Client(base_url=f"{sandbox.url}/fal", headers=headers, timeout=10) as client:
        yield client


@pytest.fixture
def runway(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    base = f"{sandbox.url}/runway"
    with httpx.Client(base_url=base, headers=RUNWAY_HEADERS, timeout=10) as client:
        yield client


@pytest.fixture
def stability(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer sk-test", "Accept": "image/*"}
    base = f"{sandbox.url}/stability"
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        yield client
