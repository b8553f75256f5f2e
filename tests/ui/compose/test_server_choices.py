"""Compose offers the checkpoints a ComfyUI server has (from its /object_info)."""

import pytest
from PySide6.QtWidgets import QToolButton

from studio.sandbox.comfyui_nodes import CHECKPOINTS
from tests.ui.conftest import open_window

pytestmark = pytest.mark.gui


@pytest.fixture
def live_window(live_studio, qtbot):
    from studio.ui.session import Session

    session = Session(live_studio)
    yield from open_window(session, qtbot)
    session.detach()


def test_list_checkpoints_from_the_server(live_window, qtbot):
    compose = live_window.compose
    target = ("comfyui", "sdxl-txt2img")
    assert compose.targets.set_checked(target)
    qtbot.waitUntil(lambda: target in compose.panels, timeout=2000)
    panel = compose.panels[target]
    button = panel.findChild(QToolButton, "list_checkpoint")
    assert button is not None and button.text() == "List…"
    line = panel.form.fields["checkpoint"].editor
    assert line.completer() is None
    button.click()
    qtbot.waitUntil(lambda: line.completer() is not None, timeout=5000)
    model = line.completer().model()
    listed = [model.index(i, 0).data() for i in range(model.rowCount())]
    assert listed == CHECKPOINTS
    assert f"{len(CHECKPOINTS)} value(s) on the server" in line.toolTip()


def test_models_without_server_lists_have_no_button(live_window, qtbot):
    compose = live_window.compose
    target = ("fal", "fal-ai/flux/dev")
    assert compose.targets.set_checked(target)
    qtbot.waitUntil(lambda: target in compose.panels, timeout=2000)
    assert compose.panels[target].findChildren(QToolButton, "list_checkpoint") == []
