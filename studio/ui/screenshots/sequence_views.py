"""The Sequences tab: a three-scene storyboard made over the sandbox (auto-approved), with
one clip regenerated with notes so a stage waits for review, and one clip that ends on the
next scene's keyframe."""

from __future__ import annotations

from studio.ui.screenshots.camera import Camera, settle

KLING = "fal-ai/kling-video/v2.1/standard/image-to-video"
KLING_PRO = "fal-ai/kling-video/v2.1/pro/image-to-video"  # takes an end frame


async def make_storyboard(studio) -> str:
    from studio.core.sequences.storyboard_spec import StoryboardSpec

    spec = StoryboardSpec.model_validate({
        "title": "Lighthouse at dusk (30 s spot)",
        "image_model": {"provider": "fal", "model": "fal-ai/flux/schnell",
                        "params": {"output_format": "png"}},
        "video_model": {"provider": "fal", "model": KLING},
        "scenes": [
            {"prompt": "a lighthouse on a cliff at dusk, waves below, oil painting",
             "duration_seconds": 5, "seed": 1,
             "transition": {"kind": "crossfade", "seconds": 0.5}},
            {"prompt": "the lamp turns on, beams sweep the sea", "duration_seconds": 5,
             "seed": 2, "end_on_next_keyframe": True,
             "video_model": {"provider": "fal", "model": KLING_PRO}},
            {"prompt": "a small boat follows the beam home", "duration_seconds": 5, "seed": 3,
             "transition": {"kind": "crossfade", "seconds": 1.0}},
        ]})
    boards = studio.storyboards
    board = boards.create(spec)
    await boards.run(board.id, auto_approve=True, wait=True)
    job = await boards.regenerate(board.id, 3, "clip", "slower, calmer sea")
    await studio.wait(job.id)
    return board.id


async def shoot_sequences(window, camera: Camera, board_id: str) -> None:
    tab = window.sequences
    window.tabs.setCurrentWidget(tab)
    tab.select(board_id)
    tab.timeline.setCurrentRow(2)
    await settle(1.2)  # keyframe thumbnails decode on worker threads
    camera.grab(window, "main_window_sequences")
    camera.grab(tab, "sequences")
    await shoot_write_storyboard(window, camera)


async def shoot_write_storyboard(window, camera: Camera) -> None:
    """*Write storyboard…* after a live run against the sandbox's chat API: the draft, the
    Critic's rounds, the Cohesion notes and the conversation, Create storyboard ready."""
    studio = window.session.studio
    before = studio.settings
    s = before.model_copy(deep=True)
    s.features.enable_assistant = True
    studio.update_settings(s)
    try:
        dialog = window.sequences.write_storyboard()
        dialog.brief.setPlainText("A lighthouse keeper's last night before the lamp is "
                                  "automated; a 30 s spot for a coastal charity")
        dialog.scenes.setValue(3)
        found = studio.assets(studio.asset_ids())
        images = [i for i, a in found.items() if a.media_type.startswith("image/")]
        dialog.references.add([f"asset:{i}" for i in images[-1:]])
        dialog.write()
        if dialog.task is not None:
            await dialog.task
        await settle(0.4)
        camera.grab(dialog, "write_storyboard")
        dialog.close()
    finally:
        studio.update_settings(before)
