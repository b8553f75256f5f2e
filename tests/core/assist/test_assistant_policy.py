"""The assistant's calls obey the policy of every call: live only with its flag on AND a
key; otherwise the exact request is recorded and nothing is sent. Keys never leak."""

from __future__ import annotations

import json

import pytest

from studio.core.assist import AssistError, RunStatus
from studio.core.config import ConfigError, set_value
from studio.core.service import Studio
from studio.sandbox.recorder import fingerprint
from tests.conftest import TEST_KEY, scan_for_secret
from tests.core.assist.helpers import assistant_studio, chat_requests


async def test_dry_run_by_default_records_the_exact_request_and_sends_nothing(home, sandbox):
    studio = assistant_studio(home, sandbox, live=False)
    try:
        run = await studio.assist.enhance("a red fox in snow", "fal:fal-ai/flux/dev")
    finally:
        await studio.aclose()
    assert not run.live and run.status is RunStatus.DRY_RUN and run.result is None
    assert "features.enable_assistant is off" in run.reason
    [request] = run.requests
    assert request["method"] == "POST"
    assert request["url"] == f"{sandbox.url}/assistant/chat/completions"
    body = request["body"]
    assert body["model"] == "gpt-4o-mini"
    assert body["response_format"]["json_schema"]["name"] == "enhancedprompt"
    assert "a red fox in snow" in body["messages"][1]["content"]
    assert chat_requests(sandbox) == []
    log = [json.loads(line) for line in home.job_log("assistant", run.id).read_text()
           .splitlines()]
    assert [e["event"] for e in log] == ["dry-run", "finished"]
    assert log[1]["status"] == "dry_run"
    assert log[0]["request"]["body"] == body
    reopened = Studio(home)
    try:
        stored = reopened.assist.run(run.id)
        assert stored.requests == run.requests and stored.status is RunStatus.DRY_RUN
        assert [r.id for r in reopened.assist.recent()] == [run.id]
    finally:
        await reopened.aclose()


async def test_the_flag_without_a_key_is_still_a_dry_run(home, memory_keyring):
    studio = Studio(home)
    studio.update_settings(set_value(studio.settings, "features.enable_assistant", "true"))
    try:
        run = await studio.assist.enhance("a lighthouse at dusk")
    finally:
        await studio.aclose()
    assert not run.live and "no API key" in run.reason
    assert run.requests[0]["url"] == "https://api.openai.com/v1/chat/completions"


async def test_a_keyring_key_goes_out_live_and_is_written_nowhere(home, sandbox, memory_keyring,
                                                                 monkeypatch):
    monkeypatch.setenv("STUDIO_ASSISTANT_BASE_URL", f"{sandbox.url}/assistant")
    studio = Studio(home)  # no sandbox mode: the real key, from the keyring
    studio.assist.access.store_key(TEST_KEY)
    studio.update_settings(set_value(studio.settings, "features.enable_assistant", "true"))
    try:
        run = await studio.assist.enhance("a red fox in snow")
        assert run.live and run.status is RunStatus.SUCCEEDED and "keyring" in run.reason
    finally:
        await studio.aclose()
    [sent] = chat_requests(sandbox)
    assert sent["headers"]["authorization"] == f"Bearer <redacted sha256:{fingerprint(TEST_KEY)}>"
    assert run.requests[0]["headers"]["Authorization"] == "Bearer ***"
    assert scan_for_secret(home.config_dir.parent, TEST_KEY) == []


async def test_fal_routes_get_their_key_scheme(home, sandbox):
    studio = assistant_studio(home, sandbox, auth_scheme="Key", model="sandbox-chat")
    try:
        run = await studio.assist.enhance("a fox")
    finally:
        await studio.aclose()
    assert run.live and run.requests[0]["headers"]["Authorization"] == "Key ***"
    assert chat_requests(sandbox)[0]["body"]["model"] == "sandbox-chat"


async def test_a_bad_base_url_is_a_clear_error_and_a_recorded_failure(home, memory_keyring,
                                                                      monkeypatch):
    monkeypatch.setenv("STUDIO_ASSISTANT_API_KEY", TEST_KEY)
    studio = Studio(home)
    settings = set_value(studio.settings, "features.enable_assistant", "true")
    with pytest.raises(ConfigError, match=r"assistant\.base_url: .*loopback"):
        studio.update_settings(set_value(settings, "assistant.base_url",
                                         "http://llm.example.com"))
    studio.update_settings(settings)
    monkeypatch.setenv("STUDIO_ASSISTANT_BASE_URL", "http://llm.example.com")  # checked at use
    try:
        with pytest.raises(AssistError, match="plain http is only allowed for loopback"):
            await studio.assist.enhance("a fox")
        [run] = studio.assist.recent()
        assert run.status is RunStatus.FAILED and "loopback" in run.error
    finally:
        await studio.aclose()
