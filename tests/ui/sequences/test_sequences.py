"""The Sequences tab: the timeline shows scenes in order with their stage status, reorders
by drag (the model's row move) or by its actions and saves the order; Approve and
Regenerate drive the core over the sandbox; delete asks and can be undone; import and
export; Stitch runs off the GUI thread with progress and can be cancelled."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QMessageBox

from studio.core.sequences.storyboard_spec import ModelChoice, StoryboardSpec
from studio.ui.sequences.tab import SequencesTab
from studio.ui.widgets import ImageLoader
from tests.ui.conftest import add_output, enable_flags

KLING = "fal-ai/kling-video/v2.1/standard/image-to-video"


def spec(n: int = 3, **changes) -> StoryboardSpec:
    return StoryboardSpec.model_validate({
        "title": "Fox ad",
        "image_model": {"provider": "fal", "model": "fal-ai/flux/schnell",
                        "params": {"output_format": "png"}},
        "video_model": {"provider": "fal", "model": KLING},
        "scenes": [{"prompt": f"scene {chr(65 + i)}", "duration_seconds": 5, "seed": i}
                   for i in range(n)], **changes})


def make_tab(session, qtbot, tmp_path) -> SequencesTab:
    tab = SequencesTab(session, ImageLoader(tmp_path / "thumbs"))
    qtbot.addWidget(tab)
    tab.resize(1000, 700)
    tab.show()
    return tab


def prompts(studio, board_id):
    return [s.prompt for s in studio.storyboards.require(board_id).spec.scenes]


def test_timeline_reorders_by_its_actions_and_by_a_drag_move(studio, session, qtbot,
                                                              tmp_path):
    board = studio.storyboards.create(spec())
    tab = make_tab(session, qtbot, tmp_path)
    strip = tab.timeline
    assert tab.board_id == board.id and strip.count() == 3
    assert [strip.item(i).data(0x0101)["prompt"] for i in range(3)] == \
        ["scene A", "scene B", "scene C"]
    strip.setCurrentRow(0)
    strip.move_right.trigger()
    qtbot.waitUntil(lambda: prompts(studio, board.id) == ["scene B", "scene A", "scene C"])
    assert strip.currentRow() == 1
    # a drag inside the strip is a row move in its model
    assert strip.model().moveRow(QModelIndex(), 2, QModelIndex(), 0)
    qtbot.waitUntil(lambda: prompts(studio, board.id) == ["scene C", "scene B", "scene A"])
    strip.setCurrentRow(0)
    strip.move_left.trigger()  # already first: nothing moves
    assert prompts(studio, board.id) == ["scene C", "scene B", "scene A"]
    # the tiles show the new numbering after the refresh
    qtbot.waitUntil(lambda: [strip.item(i).data(0x0101)["index"] for i in range(3)]
                    == [1, 2, 3])
    assert strip.item(0).data(0x0101)["prompt"] == "scene C"


def test_editing_a_scene_saves_it(studio, session, qtbot, tmp_path):
    board = studio.storyboards.create(spec(2))
    tab = make_tab(session, qtbot, tmp_path)
    tab.timeline.setCurrentRow(1)
    tab.editor.prompt.setPlainText("scene B, at night")
    tab.editor.duration.setValue(7.5)
    tab.editor.transition.setCurrentIndex(tab.editor.transition.findData("crossfade"))
    tab.editor.fade.setValue(0.75)
    tab.editor.flush()
    qtbot.waitUntil(lambda: studio.storyboards.require(board.id).spec.scenes[1].prompt
                    == "scene B, at night")
    scene = studio.storyboards.require(board.id).spec.scenes[1]
    assert scene.duration_seconds == 7.5
    assert (scene.transition.kind, scene.transition.seconds) == ("crossfade", 0.75)
    dialog = tab.editor.image_model.open_picker()  # the catalog's model picker
    dialog.picker.select("stability", "ultra")
    qtbot.waitUntil(lambda: dialog.ok.isEnabled())
    dialog.ok.click()
    qtbot.waitUntil(lambda: studio.storyboards.require(board.id).spec.scenes[1].image_model
                    is not None)
    assert studio.storyboards.require(board.id).spec.scenes[1].image_model.label == \
        "stability:ultra"
    assert studio.storyboards.require(board.id).spec.scenes[0].image_model is None
    tab.add_scene.click()
    qtbot.waitUntil(lambda: len(studio.storyboards.require(board.id).spec.scenes) == 3)
    assert tab.timeline.count() == 3 and tab.timeline.currentRow() == 2


KLING_PRO = "fal-ai/kling-video/v2.1/pro/image-to-video"  # takes an end frame


def test_end_on_next_keyframe_is_saved_and_offered_on_every_scene_but_the_last(
        studio, session, qtbot, tmp_path):
    board = studio.storyboards.create(spec(2, video_model={"provider": "fal",
                                                           "model": KLING_PRO}))
    tab = make_tab(session, qtbot, tmp_path)
    tab.timeline.setCurrentRow(0)
    box = tab.editor.end_on_next
    qtbot.waitUntil(lambda: tab.editor.scene is not None
                    and tab.editor.scene.id == studio.storyboards.require(
                        board.id).spec.scenes[0].id)
    assert box.isEnabled() and not box.isChecked()
    box.setChecked(True)
    qtbot.waitUntil(lambda: studio.storyboards.require(board.id).spec.scenes[0]
                    .end_on_next_keyframe)
    assert not studio.storyboards.require(board.id).spec.scenes[1].end_on_next_keyframe
    # the timeline's tile says so (an arrow into the next tile, and its tooltip)
    qtbot.waitUntil(lambda: "ends on the next scene's keyframe" in tab.timeline.item(0).toolTip())
    assert tab.timeline.item(0).data(0x0101)["end_on_next_keyframe"] is True
    assert tab.timeline.item(0).data(Qt.ItemDataRole.AccessibleTextRole).endswith(
        "ends on the next keyframe")
    assert "ends on" not in tab.timeline.item(1).toolTip()
    tab.timeline.setCurrentRow(1)  # the last scene: nothing comes after it
    qtbot.waitUntil(lambda: not box.isEnabled())
    assert not box.isChecked() and "no next keyframe" in box.toolTip()
    tab.timeline.setCurrentRow(0)
    qtbot.waitUntil(lambda: box.isEnabled() and box.isChecked())
    assert tab.editor.end_note.isHidden()


def test_end_on_next_keyframe_says_at_once_when_the_video_model_takes_no_end_frame(
        studio, session, qtbot, tmp_path):
    made = spec(2)  # Kling 2.1 standard: a start frame only
    scenes = [made.scenes[0].model_copy(update={"end_on_next_keyframe": True}),
              made.scenes[1]]
    board = studio.storyboards.create(made.model_copy(update={"scenes": scenes}))
    tab = make_tab(session, qtbot, tmp_path)
    editor, box = tab.editor, tab.editor.end_on_next
    tab.timeline.setCurrentRow(0)
    qtbot.waitUntil(lambda: editor.scene is not None and editor.scene.id == scenes[0].id)
    # on, with a model that cannot keep it: said under the row (and it can be turned off)
    assert box.isChecked() and box.isEnabled() and editor.end_note.isVisibleTo(editor)
    assert "takes no end frame" in editor.end_note.text()
    box.setChecked(False)
    qtbot.waitUntil(lambda: not studio.storyboards.require(board.id).spec.scenes[0]
                    .end_on_next_keyframe)
    assert editor.end_note.isHidden()
    assert not box.isEnabled() and "takes no end frame" in box.toolTip()  # not offered
    # a scene model that takes one offers it again
    editor.video_model.chosen.emit(ModelChoice(provider="fal", model=KLING_PRO))
    assert box.isEnabled() and "ends exactly on the next scene's keyframe" in box.toolTip()


def test_run_shows_status_and_approve_drives_the_core(live_studio, qtbot, tmp_path):
    from studio.ui.session import Session

    studio = live_studio
    enable_flags(studio, image=True, video=True)
    session = Session(studio)
    try:
        board = studio.storyboards.create(spec(2))
        tab = make_tab(session, qtbot, tmp_path)
        tab.run_button.click()
        qtbot.waitUntil(lambda: tab.timeline.count() == 2 and [
            tab.timeline.status_of(i, "keyframe") for i in range(2)] == ["review"] * 2,
            timeout=20_000)
        assert tab.timeline.status_of(0, "clip") == "waiting"
        tab.timeline.setCurrentRow(0)
        box = tab.stages.keyframe
        qtbot.waitUntil(lambda: box.approve_button.isEnabled())
        assert "review" in box.status.text()
        box.approve_button.click()
        board_now = studio.storyboards.require(board.id)
        assert studio.storyboards.stage_status(board_now, board_now.spec.scenes[0],
                                               "keyframe") == "approved"
        # approving the keyframe sends its clip, which then waits for review
        qtbot.waitUntil(lambda: tab.timeline.status_of(0, "clip") == "review",
                        timeout=20_000)
        assert tab.timeline.status_of(1, "clip") == "waiting"
        tab.timeline.setCurrentRow(1)
        tab.stages.keyframe.notes.setText("in the rain")
        tab.stages.keyframe.regenerate_button.click()
        qtbot.waitUntil(lambda: len(studio.storyboards.require(board.id).states[
            board.spec.scenes[1].id].keyframe.attempts) == 2, timeout=20_000)
        attempt = studio.storyboards.require(board.id).states[
            board.spec.scenes[1].id].keyframe.attempts[1]
        assert attempt.notes == "in the rain" and attempt.prompt == "scene B. in the rain"
    finally:
        session.detach()


def test_delete_asks_and_undo_puts_it_back(studio, session, qtbot, tmp_path, monkeypatch):
    board = studio.storyboards.create(spec(2))
    tab = make_tab(session, qtbot, tmp_path)
    box = tab.ask_delete()
    assert box is not None and "stay in the gallery" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert studio.storyboards.get(board.id) is not None
    box = tab.ask_delete()
    [delete] = [b for b in box.buttons() if b.text() == "Delete"]
    delete.click()
    qtbot.waitUntil(lambda: studio.storyboards.get(board.id) is None)
    assert tab.undo_button.isVisible() and tab.boards.count() == 0
    tab.undo_button.click()
    assert studio.storyboards.get(board.id) is not None
    assert tab.board_id == board.id and tab.boards.count() == 1


def test_import_export_and_a_bad_file(studio, session, qtbot, tmp_path):
    tab = make_tab(session, qtbot, tmp_path)
    source = tmp_path / "in.json"
    source.write_text(json.dumps(spec(2).model_dump(mode="json")))
    board_id = tab.import_file(source)
    assert board_id and tab.board_id == board_id and tab.timeline.count() == 2
    out = tmp_path / "out.json"
    tab.export_file(out)
    assert StoryboardSpec.model_validate_json(out.read_text()).scenes[1].prompt == "scene B"
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with qtbot.waitSignal(session.toast) as toast:
        assert tab.import_file(bad) is None
    assert toast.args[0] == "error" and "not JSON" in toast.args[1]
    assert tab.boards.count() == 1
    tab.board_list.duplicate_button.click()
    assert tab.boards.count() == 2 and tab.view["title"] == "Fox ad (copy)"
    assert tab.timeline.count() == 2
    tab.board_list.new_button.click()
    assert tab.boards.count() == 3 and tab.view["title"] == "New storyboard"
    assert tab.timeline.count() == 1 and tab.editor.isEnabled()


def approved_board(studio, n: int = 2):
    """A storyboard whose clips are approved (real MP4 outputs), no provider involved."""
    board = studio.storyboards.create(spec(n, scenes=[
        {"prompt": f"scene {i}", "keyframe": {"kind": "asset",
                                              "ref": add_output(studio).id}}
        for i in range(n)]))
    with studio.storyboards.editing(board.id) as b:
        from studio.core.sequences.storyboard_spec import Attempt

        for scene in b.spec.scenes:
            clip = add_output(studio, video=True, model=KLING)
            state = b.state(scene).clip
            state.attempts.append(Attempt(job_id=clip.job_id, prompt=scene.prompt,
                                          created_at=0, keyframe_asset=f"asset:"
                                          f"{scene.keyframe.ref}"))
            state.approved_job = clip.job_id
    return board


def test_stitch_runs_off_the_gui_thread_with_progress(studio, session, qtbot, tmp_path):
    board = approved_board(studio)
    tab = make_tab(session, qtbot, tmp_path)
    assert tab.stitch_button.isEnabled()
    assert len(tab.segment_paths()) == 2
    seen: list[float] = []
    tab.stitcher.progress.connect(seen.append)
    with qtbot.waitSignal(tab.stitcher.finished, timeout=20_000) as done:
        tab.stitch_button.click()
        assert tab.progress.isVisible() and tab.cancel_button.isVisible()
    final = done.args[0]
    assert abs(final["duration_seconds"] - 4.0) <= 2 / 12
    assert seen and seen[-1] == pytest.approx(1.0, abs=0.01)
    assert not tab.progress.isVisible()
    qtbot.waitUntil(lambda: "film:" in tab.state.text())
    assert studio.storyboards.require(board.id).final["asset_id"] == final["asset_id"]


def test_a_cancelled_stitch_writes_nothing(studio, session, qtbot, tmp_path):
    board = approved_board(studio)
    tab = make_tab(session, qtbot, tmp_path)
    before = set(studio.asset_ids())
    with qtbot.waitSignal(tab.stitcher.cancelled, timeout=20_000):
        tab.stitch()
        tab.cancel_button.click()  # before the worker thread has started
    assert studio.storyboards.require(board.id).final is None
    assert set(studio.asset_ids()) == before and not tab.progress.isVisible()


def test_the_main_window_has_the_tab_on_ctrl_4(window, qtbot):
    action = window.findChild(type(window.compare_action), "showSequences")
    assert action is not None and action.shortcut().toString() == "Ctrl+4"
    assert not window.sequences.built  # nothing of it is made until it is first shown
    action.trigger()
    assert window.tabs.currentWidget() is window.sequences
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Sequences"
    assert window.sequences.built
    tab = window.sequences.content
    assert isinstance(tab, SequencesTab) and tab.isVisible()
    assert window.sequences.boards is tab.boards  # the page stands in for the tab


def test_the_tab_built_by_use_before_it_is_shown_works_once_shown(window, qtbot):
    board_id = window.sequences.new_board()  # used before ever being shown: built now
    assert window.sequences.built and not window.sequences.content.isVisible()
    window.tabs.setCurrentWidget(window.sequences)
    assert window.sequences.content.isVisible()
    assert window.sequences.board_id == board_id


def test_audition_opens_a_compare_group_and_the_winner_becomes_the_take(live_studio, qtbot,
                                                                       tmp_path):
    from studio.ui.session import Session

    studio = live_studio
    session = Session(studio)
    try:
        board = studio.storyboards.create(spec(1))
        tab = make_tab(session, qtbot, tmp_path)
        box = tab.stages.keyframe
        assert box.audition_button.isEnabled() and not box.pick_button.isVisible()
        dialog = tab.audition("keyframe")
        assert dialog is not None and not dialog.ok.isEnabled()
        dialog.picker.set_checked(("fal", "fal-ai/flux/schnell"))
        dialog.picker.set_checked(("fal", "fal-ai/flux/dev"))
        assert dialog.ok.isEnabled()
        with qtbot.waitSignal(tab.compareRequested, timeout=20_000) as shown:
            dialog.ok.click()
        group_id = shown.args[0]
        qtbot.waitUntil(lambda: tab.timeline.status_of(0, "keyframe") == "audition")
        assert box.pick_button.isVisible() and box.group_id == group_id
        group = studio.compare.get(group_id)
        qtbot.waitUntil(lambda: len(group.votable(studio.store)) == 2, timeout=20_000)
        with qtbot.waitSignal(session.toast) as toast:
            box.pick_button.click()  # nobody voted yet
        assert toast.args[0] == "error" and "no winner yet" in toast.args[1]
        shown_jobs = group.votable(studio.store)
        studio.votes.cast(group_id, shown_jobs, winner=shown_jobs[0])
        box.pick_button.click()
        qtbot.waitUntil(lambda: tab.timeline.status_of(0, "keyframe") == "approved")
        state = studio.storyboards.require(board.id).states[board.spec.scenes[0].id]
        assert state.keyframe.approved_job == shown_jobs[0]
    finally:
        session.detach()


def test_play_runs_the_segments_one_after_another(studio, session, qtbot, tmp_path):
    approved_board(studio)
    tab = make_tab(session, qtbot, tmp_path)
    paths = tab.segment_paths()
    seen: list[int] = []
    tab.player.segmentChanged.connect(seen.append)
    tab.play_button.click()
    assert tab.pages.currentWidget() is tab.player
    assert tab.player.player.source().toLocalFile() == paths[0]
    assert tab.player.where.text() == "Segment 1 of 2"
    # each 2 s clip plays to its end, then the next starts; after the last, it stops
    qtbot.waitUntil(lambda: seen[-1:] == [-1], timeout=15_000)
    assert seen == [0, 1, -1]


def test_storyboard_settings_set_references_aspect_and_default_models(studio, session, qtbot,
                                                                     tmp_path):
    from tests.ui.conftest import make_png

    board = studio.storyboards.create(spec(1))
    tab = make_tab(session, qtbot, tmp_path)
    settings = tab.settings
    refs = [str(make_png(tmp_path / f"r{i}.png", (40 * i, 80, 120))) for i in range(4)]
    for ref in refs:
        settings.add(ref)
    saved = studio.storyboards.require(board.id).spec
    assert saved.reference_images == refs[:3]  # three at most
    assert not settings.add_reference.isEnabled() and settings.references.count() == 3
    settings.references.setCurrentRow(0)
    settings.remove_reference.click()
    assert studio.storyboards.require(board.id).spec.reference_images == refs[1:3]
    settings.aspect.setCurrentIndex(settings.aspect.findData("16:9"))
    settings.aspect.activated.emit(settings.aspect.currentIndex())
    assert studio.storyboards.require(board.id).spec.aspect == "16:9"
    dialog = settings.video_model.open_picker()
    dialog.picker.select("fal", "fal-ai/wan-i2v")
    qtbot.waitUntil(lambda: dialog.ok.isEnabled())
    dialog.ok.click()
    saved = studio.storyboards.require(board.id).spec
    assert saved.video_model.model == "fal-ai/wan-i2v"
    # the scene without its own model now shows the new default
    assert "storyboard default" in tab.editor.video_model.text()
    assert tab.editor.video_model.fallback.model == "fal-ai/wan-i2v"


def test_an_output_dropped_on_the_scene_becomes_its_keyframe(studio, session, qtbot,
                                                            tmp_path):
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QDropEvent

    from studio.ui.iterate import asset_mime

    board = studio.storyboards.create(spec(1))
    output = add_output(studio)
    tab = make_tab(session, qtbot, tmp_path)
    mime = asset_mime(studio, [output.id])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    tab.editor.dropEvent(event)
    qtbot.waitUntil(lambda: studio.storyboards.require(board.id).spec.scenes[0].keyframe.kind
                    == "asset")
    scene = studio.storyboards.require(board.id).spec.scenes[0]
    assert scene.keyframe.ref == output.id
    qtbot.waitUntil(lambda: tab.timeline.status_of(0, "keyframe") == "given")
    shown = tab.timeline.item(0).data(0x0101)["stages"]["keyframe"]["output"]
    assert shown["asset_id"] == output.id  # the tile and the stage show the given picture
    assert tab.stages.keyframe.regenerate_button.isEnabled() is False


def test_the_drop_format_is_the_one_every_output_view_drags(tmp_path):
    from PySide6.QtCore import QMimeData, QUrl

    from studio.ui.iterate import mime
    from studio.ui.sequences import scene_editor

    assert scene_editor.ASSET_IDS_MIME == mime.ASSET_IDS_MIME
    assert scene_editor.IMAGE_SUFFIXES == mime.IMAGE_SUFFIXES
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(tmp_path / "key.png"))])
    assert scene_editor.dropped_keyframe(data) == ("file", str(tmp_path / "key.png"))
    data.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    assert scene_editor.dropped_keyframe(data) is None
