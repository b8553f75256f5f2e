"""Latency counts from the moment the request started going out, so a provider that
answers synchronously (Stability) is not shown as 0 s."""

from studio.core.config import set_value
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from tests.conftest import set_faults


async def test_synchronous_provider_latency_includes_the_request(home, sandbox):
    set_faults(sandbox, run_seconds=0.6)
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings, "features.enable_public_image_providers",
                                     "true"))
    try:
        ids = []
        for _ in range(2):
            job = await studio.submit(RenderRequest(provider="stability", model="core",
                                                    prompt="a lighthouse", seed=3))
            ids.append((await studio.wait(job.id)).id)
        job = studio.store.get_job(ids[0])
        assert job.finished_at - job.submitted_at < 0.3  # what the old figure measured
        assert studio.latency_seconds(job) >= 0.5  # the sandbox held the answer 0.6 s
        assert studio.typical_seconds("stability", "core") >= 0.5
        assert studio.latency_seconds(studio.store.get_job(ids[1])) >= 0.5
        # Everything else that shows a latency reads the same figure: the sidecar, the
        # runner's expected time (ETAs, prices by run time).
        [asset] = studio.store.assets_for_job(job.id)
        timings = asset.provenance["timings"]
        assert timings["latency_seconds"] >= 0.5 and timings["sent_at"] < job.submitted_at
        assert studio.expected_seconds("stability", "core") >= 0.5
    finally:
        await studio.aclose()
    # After a restart the request's start is still known (a row of the database).
    again = Studio(home, sandbox_url=sandbox.url)
    try:
        assert again.latency_seconds(again.store.get_job(ids[0])) >= 0.5
        assert again.expected_seconds("stability", "core") >= 0.5
    finally:
        await again.aclose()


async def test_compare_cells_and_the_scoreboard_count_from_the_request(home, sandbox):
    from studio.core.compare.adapt import Brief, Target
    from studio.core.compare.scoreboard import build_scoreboard
    from studio.core.timing import sent_times

    set_faults(sandbox, run_seconds=0.6)
    studio = Studio(home, sandbox_url=sandbox.url)  # the sandbox runs it live
    try:
        group = await studio.compare.create(Brief(prompt="a lighthouse", seed=3),
                                            [Target(provider="stability", model="core")])
        job_id = group.cells[0].job_id
        await studio.wait(job_id)
        [cell] = studio.compare.group_dict(studio.compare.get(group.id))["targets"]
        assert cell["latency_seconds"] >= 0.5
        job = studio.store.get_job(job_id)
        sent = sent_times(studio.store, [job_id, "no-such-job"])
        assert list(sent) == [job_id]
        rows = build_scoreboard([], {job_id: job}, sent=sent)
        assert rows == []  # no votes, no rows; the figure itself:
        from studio.core.compare.groups import latency_seconds

        assert latency_seconds(job, sent[job_id]) >= 0.5
        assert latency_seconds(job) < 0.3  # what the old figure measured
    finally:
        await studio.aclose()


def test_no_latency_for_jobs_that_did_not_succeed(home):
    studio = Studio(home, env={})
    try:
        assert studio.latency_seconds(None) is None
        assert studio.typical_seconds("fal", "fal-ai/flux/dev") is None
    finally:
        studio.store.close()
