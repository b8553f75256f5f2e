"""Save frame in the video Viewer: the frame on screen, or exactly the last one, becomes a
new image in the Gallery whose parent is the video."""

from __future__ import annotations

import pytest
from PIL import Image

from studio.providers.base import Role
from tests.ui.conftest import add_output

pytestmark = pytest.mark.gui


def test_save_frame_and_last_frame_make_images_with_the_video_as_parent(window, qtbot,
                                                                        studio):
    clip = add_output(studio, model="fal-ai/wan-t2v", prompt="waves", video=True,
                      color=(20, 120, 220))
    window.tabs.setCurrentWidget(window.gallery)
    qtbot.waitUntil(lambda: window.gallery.model.rowCount() == 1)
    viewer = window.open_viewer(0)
    video = viewer.video
    qtbot.waitUntil(lambda: video.player.duration() > 0, timeout=10_000)
    video.player.pause()
    video.player.setPosition(1000)
    qtbot.waitUntil(lambda: abs(video.player.position() - 1000) < 100, timeout=5000)
    frames = viewer.frames
    frames.frame_action.trigger()
    qtbot.waitUntil(lambda: len(frames.saved) == 1, timeout=10_000)
    frames.last_action.trigger()
    qtbot.waitUntil(lambda: len(frames.saved) == 2, timeout=10_000)
    at, last = frames.saved
    for frame in (at, last):
        assert frame.media_type == "image/png" and (frame.width, frame.height) == (160, 96)
        parents = studio.lineage(frame.id).parents
        assert [(e.node.asset_id, e.role) for e in parents] == [(clip.id, Role.SOURCE)]
    operation = studio.job(at.job_id).request["operation"]
    assert operation["seconds"] == pytest.approx(1.0, abs=0.1) and not operation["last_frame"]
    assert studio.job(last.job_id).request["operation"]["last_frame"]
    with Image.open(at.path) as picture:
        r, _g, b = picture.convert("RGB").getpixel((80, 48))
        assert b > 180 and r < 60  # the clip's colour
    qtbot.waitUntil(lambda: window.gallery.model.rowCount() == 3)  # shown in the gallery
    viewer.iterate.update()  # a video: save a frame, then use that
    assert not viewer.iterate.uses[Role.START_FRAME].isEnabled()
    viewer.close()
