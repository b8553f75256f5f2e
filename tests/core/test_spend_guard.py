"""The spend guard over the sandbox: live jobs that would cross a budget are refused before
anything is written as queued or sent (a fan-out as a whole, a batch from the job that
crosses), and spent follows what providers accept and report."""

import pytest

from studio.core.budget import Budget
from studio.core.compare.adapt import Brief, Target
from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from tests.conftest import set_faults
from tests.core.live_helpers import live_studio, submissions, wait_for

DEV = dict(provider="fal", model="fal-ai/flux/dev")  # $0.025 a 1 MP image


def dev(prompt: str = "a lighthouse") -> RenderRequest:
    return RenderRequest(**DEV, prompt=prompt)


def set_budget(studio: Studio, key: str, value) -> None:
    studio.update_settings(set_value(studio.settings, f"budgets.{key}", str(value)))


@pytest.fixture
async def studio(home, sandbox):
    s = live_studio(home, sandbox, sandbox_live=False)  # flags decide, as outside it
    yield s
    await s.aclose()


async def test_a_fan_out_that_would_cross_the_daily_budget_is_refused_whole(studio, sandbox):
    set_budget(studio, "overall.daily_usd", 0.06)  # two of three $0.025 jobs would fit
    jobs = await studio.submit_many([dev(f"fox {i}") for i in range(3)])
    assert [j.status for j in jobs] == [JobStatus.REFUSED] * 3
    assert submissions(sandbox, "fal") == []  # the sandbox's recorder saw no request
    refusal = studio.budget.refusal_of(jobs[0])
    assert refusal is not None and refusal.jobs == 3
    assert refusal.budget == Budget(None, "day", 0.06)
    assert refusal.estimate_usd == pytest.approx(0.075)
    assert refusal.left_usd == pytest.approx(0.06)
    assert "fan-out of 3 live jobs (≈ $0.075) would cross the overall daily budget ($0.06; " \
           "$0.06 left)" in jobs[0].error
    assert all(not j.dry_run and j.error_code == "budget" for j in jobs)  # never a dry-run
    assert studio.store.query("SELECT COUNT(*) FROM budget_holds")[0][0] == 0
    assert studio.budget.status().overall["day"].spent_usd == 0

    # Two fit: both are sent, and the hold let neither squeeze out the other.
    sent = await studio.submit_many([dev("fox a"), dev("fox b")])
    assert [j.status for j in sent] == [JobStatus.QUEUED] * 2
    done = [await studio.wait(j.id) for j in sent]
    assert [j.status for j in done] == [JobStatus.SUCCEEDED] * 2
    assert len(submissions(sandbox, "fal")) == 2
    assert studio.budget.status().overall["day"].spent_usd == pytest.approx(0.05)


async def test_a_compare_group_is_checked_as_one_action(studio, sandbox):
    set_budget(studio, "providers", '{"fal": {"daily_usd": 0.02}}')
    targets = [Target.parse("fal:fal-ai/flux/dev"), Target.parse("fal:fal-ai/flux/schnell")]
    group = await studio.compare.create(Brief(prompt="a lighthouse"), targets)
    jobs = [studio.store.get_job(c.job_id) for c in group.cells]
    # $0.028 in all: refused whole, though the $0.003 schnell job alone would fit.
    assert [j.status for j in jobs] == [JobStatus.REFUSED] * 2
    assert submissions(sandbox, "fal") == []
    assert "fal daily budget" in jobs[0].error
    # A re-run of the group is one action too.
    set_budget(studio, "providers", '{"fal": {"daily_usd": 0.05}}')
    rerun = await studio.compare.rerun(group.id)
    assert [j.status for j in rerun] == [JobStatus.QUEUED] * 2
    assert [j.retried_from for j in rerun] == [j.id for j in jobs]


async def test_a_single_job_over_a_budget_is_recorded_refused_and_can_be_retried(
        studio, sandbox):
    set_budget(studio, "providers", '{"fal": {"daily_usd": 0.02}}')
    job = await studio.submit(dev())
    assert job.status is JobStatus.REFUSED and job.status.terminal
    stored = studio.store.get_job(job.id)
    assert stored.status is JobStatus.REFUSED and stored.estimate["usd"] == 0.025
    assert stored.error == ("refused: this job (≈ $0.025) would cross the fal daily budget "
                            "($0.02; $0.02 left). Nothing was sent.")
    assert submissions(sandbox, "fal") == []
    assert not studio.store.resumable_jobs()  # nothing for resume to pick up
    # Other providers have no budget: they are not held back by fal's.
    other = await studio.submit(RenderRequest(provider="stability", model="core",
                                              prompt="x"))
    assert other.status is JobStatus.QUEUED
    set_budget(studio, "providers", '{"fal": {"daily_usd": 1}}')
    again = await studio.retry(job.id)
    assert again.status is JobStatus.QUEUED and again.retried_from == job.id
    assert (await studio.wait(again.id)).status is JobStatus.SUCCEEDED


async def test_a_budget_reached_mid_batch_stops_the_rest(studio, sandbox):
    set_budget(studio, "overall.daily_usd", 0.06)
    outcome = await studio.submit_batch([dev(f"frame {i}") for i in range(5)])
    assert [j.status for j in outcome.jobs] == [JobStatus.QUEUED] * 2 + [JobStatus.REFUSED]
    assert outcome.not_sent == 2 and studio.store.count_jobs() == 3
    assert outcome.message.startswith("Budget reached after 2 of 5 jobs: refused: this job "
                                      "(≈ $0.025) would cross the overall daily budget")
    assert outcome.message.endswith("The 2 after it were not sent either.")
    await wait_for(lambda: len(submissions(sandbox, "fal")) == 2, "the two that fit")
    for job in outcome.jobs[:2]:
        assert (await studio.wait(job.id)).status is JobStatus.SUCCEEDED
    assert sorted(r["body"]["prompt"] for r in submissions(sandbox, "fal")) == [
        "frame 0", "frame 1"]


async def test_a_failed_submit_costs_nothing_and_an_accepted_job_counts(studio, sandbox):
    set_budget(studio, "overall.daily_usd", 1)
    # A 429 asking to wait past the cap: the job fails and nothing was accepted.
    set_faults(sandbox, rate_limit={"count": 1, "provider": "fal", "retry_after": 86400})
    failed = await studio.wait((await studio.submit(dev())).id)
    assert failed.status is JobStatus.FAILED and failed.remote_id is None
    today = studio.budget.status().overall["day"]
    assert (today.spent_usd, today.pending_usd) == (0, 0)
    done = await studio.wait((await studio.submit(dev())).id)
    assert done.status is JobStatus.SUCCEEDED
    assert studio.budget.status().overall["day"].spent_usd == pytest.approx(0.025)


async def test_the_actual_cost_corrects_the_spent_figure(home, sandbox):
    studio = live_studio(home, sandbox)
    set_budget(studio, "overall.daily_usd", 5)
    studio.update_settings(set_value(studio.settings, "provider_options.runpod.usd_per_second",
                                     "0.5"))
    request = RenderRequest(provider="runpod", model="raw/image", prompt="x")
    try:
        # No run measured yet and no price anyone publishes: with a budget set, refused.
        first = await studio.submit(request)
        assert first.status is JobStatus.REFUSED
        assert "no price is known for RunPod Serverless" in first.error
        # Without a budget it runs; RunPod reports its execution time: $0.50 for 1 s.
        set_budget(studio, "overall.daily_usd", "null")
        for _ in range(2):  # two runs give the model a typical run time, so an estimate
            assert (await studio.wait((await studio.submit(request)).id)).status is \
                JobStatus.SUCCEEDED
        set_budget(studio, "overall.daily_usd", 5)
        assert studio.estimate(request).usd == pytest.approx(0.5)
        set_faults(sandbox, run_seconds=2.4)  # this run takes longer than the estimate
        job = await studio.submit(request)
        await wait_for(lambda: studio.store.get_job(job.id).remote_id, "the remote id")
        running = studio.budget.status().overall["day"]
        assert running.spent_usd == pytest.approx(1.5)  # counted at its estimate
        done = await studio.wait(job.id)
        assert done.actual_cost["usd"] == pytest.approx(1.5)  # 3 s billed
        assert studio.budget.status().overall["day"].spent_usd == pytest.approx(2.5)
    finally:
        await studio.aclose()


async def test_the_quote_itemises_an_action_and_what_each_budget_has_left(studio, sandbox):
    set_budget(studio, "providers", '{"fal": {"daily_usd": 1, "monthly_usd": 3}}')
    studio.update_settings(set_value(studio.settings,
                                     "features.enable_public_video_providers", "false"))
    await studio.wait((await studio.submit(dev())).id)
    quote = studio.budget.quote([dev(), RenderRequest(provider="fal", model="fal-ai/veo3.1",
                                                      prompt="x"),
                                 RenderRequest(provider="luma", model="ray-2", prompt="x")])
    assert [(i.model, i.live, i.counted_usd) for i in quote.items] == [
        ("fal-ai/flux/dev", True, 0.025), ("fal-ai/veo3.1", False, 3.2),
        ("ray-2", False, 0.4)]  # the video flag is off: those two are dry-runs
    assert quote.live_usd == pytest.approx(0.025) and not quote.needs_confirmation()
    [day, month] = quote.lines
    assert (day.budget.label, day.spent_usd, day.adds_usd) == ("fal daily budget", 0.025, 0.025)
    assert day.left_usd == pytest.approx(0.975) and day.after_usd == pytest.approx(0.95)
    assert month.left_usd == pytest.approx(2.975) and quote.refusal is None
    studio.update_settings(set_value(studio.settings,
                                     "features.enable_public_video_providers", "true"))
    big = studio.budget.quote([RenderRequest(provider="fal", model="fal-ai/veo3.1",
                                             prompt="x")])
    assert big.needs_confirmation() and not big.needs_confirmation(allow_below=5)
    assert big.refusal is not None and big.refusal.budget.label == "fal daily budget"
    assert big.summary() == "1 live job ≈ $3.20 (fal.ai · Veo 3.1 (text-to-video): $3.20)"
