"""The first-run summary says what is live, what is a dry-run and the reasons, from the
same decisions the catalog shows."""

from studio.core.config import set_value
from studio.core.service import Studio
from studio.providers.base import RenderRequest


async def test_a_fresh_studio_explains_its_dry_runs(home):
    studio = Studio(home, env={})
    try:
        summary = studio.first_run()
        # Nothing is live without a key; the self-hosted server is live only once it answers.
        assert summary.live == []
        assert any(line.provider == "ComfyUI" and "not checked yet" in line.reason
                   for line in summary.not_live)
        assert summary.jobs == summary.outputs == 0
        reasons = summary.reasons()
        assert any("no API key" in r for r in reasons)
        assert any("Stability AI" in names for names in reasons.values())
        await studio.submit(RenderRequest(provider="fal", model="fal-ai/flux/dev",
                                          prompt="a fox"))
        summary = studio.first_run()
        assert (summary.jobs, summary.dry_runs, summary.outputs) == (1, 1, 0)
        assert "enable_public_image_providers" in summary.last_dry_run_reason
    finally:
        await studio.aclose()


def test_the_sandbox_with_the_flag_on_is_live(home, sandbox):
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings, "features.enable_public_image_providers",
                                     "true"))
    try:
        summary = studio.first_run()
        assert summary.sandbox
        live = {(line.provider, line.kind) for line in summary.live}
        assert ("fal.ai", "image") in live
        assert any(line.kind == "video" for line in summary.not_live)
    finally:
        studio.store.close()


def test_in_the_sandbox_everything_is_live_and_it_says_what_would_not_be(home, sandbox):
    studio = Studio(home, env={}, sandbox_url=sandbox.url)  # flags off, no key
    try:
        summary = studio.first_run()
        assert ("fal.ai", "image") in {(line.provider, line.kind) for line in summary.live}
        outside = {line.provider for line in summary.outside_not_live}
        assert "fal.ai" in outside and "Stability AI" in outside
        assert all("off" in line.reason or "no API key" in line.reason
                   for line in summary.outside_not_live if line.provider == "fal.ai")
    finally:
        studio.store.close()
