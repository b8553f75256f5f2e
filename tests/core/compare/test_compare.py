"""Compare groups: fan-out, what each model kept of the brief, re-runs, added targets."""

from pathlib import Path

import pytest
from PIL import Image

from studio.core.compare.adapt import Brief, Target, adapt
from studio.core.compare.groups import CompareGroups
from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.requests import RequestError
from studio.core.service import Studio
from studio.providers import registry
from tests.conftest import sandbox_requests

TARGETS = [Target.parse(t) for t in ("fal:fal-ai/flux/dev", "stability:ultra",
                                     "runway:gen4_turbo", "luma:ray-2")]


def outcomes(cell) -> dict[str, str]:
    return {a.input: a.outcome for a in cell.adaptations}


@pytest.fixture
def still(tmp_path: Path) -> str:
    path = tmp_path / "start.png"
    Image.new("RGB", (64, 48), (30, 90, 160)).save(path)
    return str(path)


async def test_fan_out_adapts_the_brief_to_each_real_model(home, still):
    studio = Studio(home)
    try:
        groups = CompareGroups(studio)
        brief = Brief(prompt="a red fox at dawn", negative_prompt="blurry", seed=42,
                      aspect="4:5", duration=7, input_images=[still])
        group = await groups.create(brief, TARGETS)
        jobs = [studio.store.get_job(c.job_id) for c in group.cells]
        assert [f"{j.provider}:{j.model}" for j in jobs] == [t.label for t in TARGETS]
        assert {j.compare_group for j in jobs} == {group.id}
        assert all(j.status is JobStatus.DRY_RUN for j in jobs)  # no keys: nothing sent
        flux, ultra, runway, ray = group.cells
        flux_body, ray_body = jobs[0].prepared["body"], jobs[3].prepared["body"]

        assert outcomes(flux) == {"seed": "honoured", "negative_prompt": "dropped",
                                  "input_images": "dropped", "aspect": "changed",
                                  "duration": "dropped"}
        assert flux_body["image_size"] == "portrait_4_3" and flux_body["seed"] == 42
        assert "negative_prompt" not in flux_body

        # Ultra takes the still as img2img: the output follows its shape, no aspect sent.
        assert outcomes(ultra)["aspect"] == "dropped" and ultra.seed_honoured
        assert outcomes(ultra)["negative_prompt"] == "honoured"
        assert "aspect_ratio" not in jobs[1].prepared["form"]
        assert jobs[1].prepared["form"]["negative_prompt"] == "blurry"

        assert outcomes(runway)["duration"] == "honoured"  # 2-10 s: 7 fits
        assert jobs[2].prepared["body"]["duration"] == 7
        assert jobs[2].prepared["body"]["ratio"] == "832:1104"  # the 3:4 shape

        assert ray.seed_honoured is False and "seed" not in ray_body
        assert outcomes(ray)["duration"] == "changed"
        assert ray_body["duration"] == "5s" and ray_body["aspect_ratio"] == "3:4"
        notes = " / ".join(a.note for a in ray.adaptations)
        assert "seed ignored" in notes and "7 s clamped to 5 s" in notes
        assert jobs[3].mode == "img2video"  # ray-2 takes the still as a keyframe
    finally:
        await studio.aclose()


def test_adapting_to_models_without_a_setting_keeps_their_default():
    providers = registry()
    brief = Brief(prompt="x", aspect="16:9", duration=6)

    def notes(label: str, **params):
        target = Target.parse(label, params)
        a = adapt(brief, target, providers[target.provider].model(target.model))
        return {n.input: n for n in a.adaptations}, a.request.params

    raw, params = notes("runpod:raw/image")
    assert raw["aspect"].outcome == "default" and params == {}
    assert raw["aspect"].note == "aspect: model default (no aspect setting)"
    comfy, params = notes("comfyui:sdxl-txt2img")
    assert params == {"width": 1368, "height": 768} and comfy["aspect"].outcome == "honoured"
    vivid, params = notes("vividflow:wan2.1")
    assert vivid["duration"].note == "duration: model default (no duration setting)"
    wan, params = notes("fal:fal-ai/wan-t2v", frames_per_second=16)
    assert params["num_frames"] == 96 and wan["duration"].outcome == "honoured"
    veo, params = notes("fal:fal-ai/veo3.1", aspect_ratio="9:16")
    assert veo["aspect"].outcome == "overridden" and params["aspect_ratio"] == "9:16"
    assert veo["duration"].outcome == "honoured" and params["duration"] == "6s"


async def test_bad_target_names_it_and_writes_nothing(home):
    studio = Studio(home)
    try:
        groups = CompareGroups(studio)
        brief = Brief(prompt="a fox", aspect="1:1")
        with pytest.raises(RequestError) as caught:
            await groups.create(brief, [Target.parse("fal:fal-ai/flux/dev"),
                                        Target.parse("fal:no-such-model"),
                                        Target.parse("runway:gen4_turbo")])
        fields = [e.field for e in caught.value.errors]
        assert fields[0] == "fal:no-such-model"
        assert fields[1].startswith("runway:gen4_turbo")  # needs an input image
        assert studio.store.count_jobs() == 0 and groups.recent() == []
    finally:
        await studio.aclose()


async def test_rerun_cell_and_group_repeat_the_exact_request_and_add_target(home):
    studio = Studio(home)
    try:
        groups = CompareGroups(studio)
        group = await groups.create(Brief(prompt="a lighthouse", seed=3, aspect="16:9"),
                                    [Target.parse("fal:fal-ai/flux/dev"),
                                     Target.parse("stability:core")])
        first = studio.store.get_job(group.cells[1].job_id)
        [again] = await groups.rerun(group.id, 1)
        assert again.retried_from == first.id and again.id != first.id
        assert again.request == first.request and again.prepared == first.prepared
        group = groups.get(group.id)
        assert group.cells[1].job_ids == [first.id, again.id]
        assert len(group.cells[0].job_ids) == 1  # the other cell was left alone

        await groups.rerun(group.id)
        assert [len(c.job_ids) for c in groups.get(group.id).cells] == [2, 3]

        cell = await groups.add_target(group.id, Target.parse("luma:photon-1"))
        assert cell.position == 2 and cell.letter == "C"
        job = studio.store.get_job(cell.job_id)
        assert job.compare_group == group.id and job.prepared["body"]["aspect_ratio"] == "16:9"
        assert cell.seed_honoured is False  # Photon has no seed
        assert [c.target.label for c in groups.get(group.id).cells][-1] == "luma:photon-1"
    finally:
        await studio.aclose()


async def test_live_group_against_the_sandbox_has_outputs(home, sandbox):
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings,
                                     "features.enable_public_image_providers", "true"))
    try:
        groups = CompareGroups(studio)
        group = await groups.create(Brief(prompt="a red fox in snow", seed=11, aspect="16:9"),
                                    [Target.parse("fal:fal-ai/flux/schnell"),
                                     Target.parse("stability:core")])
        for cell in group.cells:
            job = await studio.wait(cell.job_id)
            assert job.status is JobStatus.SUCCEEDED, job.error
            [asset] = studio.store.assets_for_job(job.id)
            assert Path(asset.path).is_file() and asset.width > asset.height  # 16:9
        data = groups.group_dict(groups.get(group.id))
        assert [t["status"] for t in data["targets"]] == ["succeeded", "succeeded"]
        assert all(t["latency_seconds"] > 0 and t["outputs"] for t in data["targets"])
    finally:
        await studio.aclose()
    [fal] = [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]
    assert fal["body"]["image_size"] == "landscape_16_9" and fal["body"]["seed"] == 11


async def test_settings_the_model_does_not_send_are_recorded_as_dropped(home, still):
    studio = Studio(home)
    try:
        groups = CompareGroups(studio)
        brief = Brief(prompt="a fox", aspect="16:9", input_images=[still])
        [ultra] = groups.plan(brief, [Target.parse("stability:ultra")], load_images=False)
        [aspect] = [a for a in ultra.adaptations if a.input == "aspect"]
        assert aspect.outcome == "dropped"
        assert "follows the input image" in aspect.note
    finally:
        await studio.aclose()
