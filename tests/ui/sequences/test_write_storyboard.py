"""*Write storyboard…* in the Sequences tab: the assistant's Director, Critic and Cohesion
pass run live against the sandbox's chat API, the Critic's verdicts and the conversation
are shown, and *Create storyboard* makes the draft a storyboard (nothing rendered) and
selects it. With the assistant off it is a dry-run that shows the request and refuses to
create; a refused answer is a clear error and the dialog stays open."""

from __future__ import annotations

import html

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent

from studio.core.config import set_value
from studio.ui.iterate import asset_mime
from tests.conftest import sandbox_requests, set_faults
from tests.ui.conftest import add_output
from tests.ui.sequences.test_sequences import make_tab

pytestmark = pytest.mark.gui


def assistant_on(studio) -> None:
    studio.update_settings(set_value(studio.settings, "features.enable_assistant", "true"))


@pytest.fixture
def live_session(live_studio):
    from studio.ui.session import Session

    session = Session(live_studio)
    yield session
    session.detach()


def drop(widget, mime) -> None:
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)




def test_write_runs_live_shows_the_critic_and_creates_the_storyboard(
        live_session, qtbot, tmp_path, ui_sandbox):
    import httpx

    httpx.delete(f"{ui_sandbox.url}/_sandbox/requests")  # the sandbox serves every test
    studio = live_session.studio
    assistant_on(studio)
    picture = add_output(studio, color=(30, 90, 200))
    tab = make_tab(live_session, qtbot, tmp_path)
    assert tab.board_id is None
    dialog = tab.write_storyboard()
    qtbot.addWidget(dialog)
    assert not dialog.create_button.isEnabled()
    drop(dialog.references, asset_mime(studio, [picture.id]))
    assert dialog.references.refs() == [f"asset:{picture.id}"]
    dialog.brief.setPlainText("A fox crosses a frozen lake at dawn, for a winter tea ad")
    dialog.scenes.setValue(3)
    dialog.rounds.setValue(2)
    dialog.write_button.click()
    qtbot.waitUntil(lambda: dialog.run is not None or dialog.error is not None,
                    timeout=20_000)
    assert dialog.error is None and dialog.run.live
    result = dialog.run.result
    view = dialog.body.widget()
    assert view.objectName() == "storyView"
    assert len(view.critique_labels) == len(result["critiques"]) >= 1
    for shown, review in zip(view.critique_labels, result["critiques"], strict=True):
        assert f"Round {review['round']}: {review['score']}/100" in shown.text()
        assert ("approved" if review["approved"] else "needs revision") in shown.text()
        assert html.escape(review["strengths"][0], quote=False) in shown.text()
    agents = {m["agent"] for m in dialog.run.conversation}
    assert agents == {"director", "critic", "cohesion"}
    assert len(view.messages) == len(dialog.run.conversation)
    assert html.escape(result["cohesion"]["overall"], quote=False) in view.cohesion.text()
    chats = sandbox_requests(ui_sandbox, "assistant")
    assert any("image_url" in str(r) for r in chats)  # the reference went as a picture
    assert dialog.create_button.isEnabled()
    dialog.create_button.click()
    board_id = dialog.board_id
    assert board_id is not None
    board = studio.storyboards.require(board_id)
    draft = result["storyboard"]["scenes"]
    assert len(board.spec.scenes) == 3 == len(draft)
    assert [s.prompt for s in board.spec.scenes] == [s["prompt"] for s in draft]
    assert tab.board_id == board_id and tab.boards.currentItem() is not None
    assert tab.title.text() == board.spec.title and tab.timeline.count() == 3
    shown = studio.storyboard_view(board_id)
    assert shown["status"] == "draft"  # nothing rendered, nothing sent
    assert all(not st["attempts"] for s in shown["scenes"] for st in s["stages"].values())
    assert sandbox_requests(ui_sandbox, "fal") == []
    dialog.close()


def test_with_the_assistant_off_it_shows_the_dry_run_and_creates_nothing(
        live_session, qtbot, tmp_path):
    studio = live_session.studio
    tab = make_tab(live_session, qtbot, tmp_path)
    dialog = tab.write_storyboard()
    qtbot.addWidget(dialog)
    dialog.brief.setPlainText("A lighthouse keeper's last night")
    dialog.write_button.click()
    qtbot.waitUntil(lambda: dialog.run is not None, timeout=10_000)
    text = dialog.status.text()
    assert "Dry-run: nothing was sent" in text and "enable_assistant" in text
    assert "No storyboard can be made" in text
    request = dialog.body.widget()
    assert request.objectName() == "assistRequest"
    assert '"url"' in request.toPlainText() and "Director" in request.toPlainText()
    assert not dialog.create_button.isEnabled()
    assert dialog.create_board() is None
    assert studio.storyboard_rows() == [] and tab.board_id is None
    assert "cannot be a storyboard" in dialog.status.text() and dialog.isVisible()
    dialog.close()


def test_a_refused_answer_and_an_empty_brief_are_errors_and_the_dialog_stays(
        live_session, qtbot, tmp_path, ui_sandbox):
    studio = live_session.studio
    assistant_on(studio)
    tab = make_tab(live_session, qtbot, tmp_path)
    dialog = tab.write_storyboard()
    qtbot.addWidget(dialog)
    dialog.write_button.click()  # no brief
    qtbot.waitUntil(lambda: dialog.error is not None, timeout=10_000)
    assert "the brief is empty" in dialog.status.text()
    set_faults(ui_sandbox, refuse_answer={"count": 2, "provider": "assistant"})
    dialog.brief.setPlainText("A fox")
    dialog.write_button.click()
    qtbot.waitUntil(lambda: dialog.error is not None and "refused" in dialog.error,
                    timeout=10_000)
    assert "director: the model refused" in dialog.status.text()
    assert dialog.isVisible() and not dialog.create_button.isEnabled()
    assert dialog.write_button.isEnabled() and studio.storyboard_rows() == []
    dialog.close()
