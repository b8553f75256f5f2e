"""The sandbox is a place to try everything at no cost: jobs run live whatever the flags
say, and every reader (catalog, CLI, API) still says what a job would be outside it. The
real-world rule (flag AND key) is untouched outside the sandbox."""

import json

import pytest

from studio.cli import main
from studio.core.config import Settings, set_value
from studio.core.jobs import JobStatus
from studio.core.policy import decide
from studio.core.secrets import KeyLookup, KeySource
from studio.core.service import Studio
from studio.providers.base import Family, RenderRequest
from tests.conftest import sandbox_requests

KEY = KeyLookup("k" * 20, KeySource.KEYRING)
NO_KEY = KeyLookup(None, KeySource.NONE, "FAL_KEY is not set")
FLUX = {"provider": "fal", "model": "fal-ai/flux/dev", "prompt": "a fox",
        "params": {"num_inference_steps": 4}}


def _flag(on: bool) -> Settings:
    return set_value(Settings(), "features.enable_public_image_providers", str(on).lower())


@pytest.mark.parametrize(("flag", "key", "outside"), [
    (False, NO_KEY, "missing-credentials"),
    (True, NO_KEY, "missing-credentials"),
    (False, KEY, "dry-run"),
    (True, KEY, "live"),
])
def test_in_the_sandbox_every_job_is_live_and_says_what_it_would_be_outside(flag, key,
                                                                            outside):
    d = decide(Family.PUBLIC_IMAGE, _flag(flag), key, sandbox=True)
    assert (d.live, d.status) == (True, "live")
    assert d.outside is not None and d.outside.status == outside
    assert d.real is d.outside
    assert d.outside == decide(Family.PUBLIC_IMAGE, _flag(flag), key)  # the same rule
    if outside != "live":
        assert "outside the sandbox this would be a dry-run" in d.reason


def test_outside_the_sandbox_the_flag_and_the_key_still_decide():
    assert not decide(Family.PUBLIC_IMAGE, _flag(False), KEY).live
    assert not decide(Family.PUBLIC_IMAGE, _flag(True), NO_KEY).live
    d = decide(Family.PUBLIC_IMAGE, _flag(True), KEY)
    assert d.live and d.outside is None and d.real is d


def test_the_sandbox_never_overrides_a_gate_or_a_silent_server():
    gated = decide(Family.PUBLIC_IMAGE, _flag(True), KEY, sandbox=True, disabled="needs terms")
    assert (gated.live, gated.status) == (False, "disabled")
    silent = decide(Family.SELF_HOSTED, Settings(), KEY, key_required=False, sandbox=True,
                    reachable=False)
    assert not silent.live and "does not answer" in silent.reason
    unchecked = decide(Family.SELF_HOSTED, Settings(), KEY, key_required=False, sandbox=True,
                       unchecked=True)
    assert not unchecked.live and "not checked yet" in unchecked.reason


async def test_the_first_generate_in_the_sandbox_makes_a_picture(home, sandbox):
    studio = Studio(home, env={}, sandbox_url=sandbox.url)  # every flag off, no key
    try:
        entry = studio.catalog.entry("fal")
        assert (entry.status, entry.outside_status) == ("live", "missing-credentials")
        assert "outside the sandbox this would be a dry-run" in entry.reason
        model = next(m for m in entry.models if m.id == "fal-ai/flux/dev")
        assert (model.status, model.outside_status) == ("live", "missing-credentials")
        job = await studio.wait((await studio.submit(RenderRequest(**FLUX))).id)
        assert job.status is JobStatus.SUCCEEDED and not job.dry_run and job.sandbox
        assert len(studio.store.assets_for_job(job.id)) == 1
    finally:
        await studio.aclose()
    assert any(r["method"] == "POST" for r in sandbox_requests(sandbox, "fal"))


async def test_outside_the_sandbox_the_same_request_is_a_dry_run(home):
    studio = Studio(home, env={})
    try:
        entry = studio.catalog.entry("fal")
        assert entry.status == "missing-credentials" and entry.outside_status is None
        job = await studio.submit(RenderRequest(**FLUX))
        assert job.status is JobStatus.DRY_RUN and not job.sandbox
    finally:
        await studio.aclose()


def test_cli_providers_json_carries_what_a_job_would_be_outside(home, sandbox, capsys):
    assert main(["--sandbox-url", sandbox.url, "providers", "--json"]) == 0
    entries = {e["id"]: e for e in json.loads(capsys.readouterr().out)}
    fal = entries["fal"]
    assert (fal["status"], fal["outside_status"]) == ("live", "missing-credentials")
    assert "outside the sandbox" in fal["reason"]
    assert fal["models"][0]["outside_status"] == "missing-credentials"
    # The emulator's ComfyUI answers, so it was checked and is live.
    assert (entries["comfyui"]["status"], entries["comfyui"]["server"]) == ("live", "answers")
    assert main(["--sandbox-url", sandbox.url, "providers"]) == 0
    assert "outside the sandbox: missing-credentials" in capsys.readouterr().out
    assert main(["providers", "--json"]) == 0  # no sandbox: nothing about one
    entries = {e["id"]: e for e in json.loads(capsys.readouterr().out)}
    assert entries["fal"]["outside_status"] is None
    assert entries["fal"]["status"] == "missing-credentials"
