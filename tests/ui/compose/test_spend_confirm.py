"""Compose asks before an expensive live action (Enter sends, Esc cancels), remembers
"don't ask again below $X" only when ticked, and a fan-out a budget refuses is recorded
refused with nothing sent; the status bar shows today's spend and what is left."""

import httpx
import pytest
from PySide6.QtCore import Qt

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from tests.ui.conftest import enable_flags, open_window

pytestmark = pytest.mark.gui

VEO = ("fal", "fal-ai/veo3.1")  # $3.20 a clip: above the $2 default
DEV = ("fal", "fal-ai/flux/dev")  # $0.025


@pytest.fixture
def live_window(live_studio, qtbot):
    from studio.ui.session import Session

    enable_flags(live_studio, image=True, video=True)
    session = Session(live_studio)
    yield from open_window(session, qtbot)
    session.detach()


def fal_posts(ui_sandbox) -> list[dict]:
    rows = httpx.get(f"{ui_sandbox.url}/_sandbox/requests", params={"provider": "fal"}).json()
    return [r for r in rows if r["method"] == "POST"]


def _compose(window, qtbot, *targets, prompt="waves at dusk"):
    compose = window.compose
    qtbot.keyClicks(compose.prompt, prompt)
    for target in targets:
        assert compose.targets.set_checked(target)
    compose.revalidate()
    return compose


def _dialog(window, qtbot):
    from studio.ui.widgets import SpendGate

    gate = SpendGate.of(window.session)
    qtbot.waitUntil(lambda: gate.dialog is not None and gate.dialog.isVisible(), timeout=5000)
    return gate, gate.dialog


def test_a_job_above_the_threshold_asks_first(live_window, qtbot, live_studio, ui_sandbox):
    httpx.delete(f"{ui_sandbox.url}/_sandbox/requests")
    window = live_window
    compose = _compose(window, qtbot, VEO)
    qtbot.mouseClick(compose.generate_button, Qt.MouseButton.LeftButton)
    gate, dialog = _dialog(window, qtbot)
    assert dialog.heading.text() == "Send 1 live job for ≈ $3.20?"
    row = dialog.items.topLevelItem(0)
    assert (row.text(0), row.text(1)) == ("fal.ai · Veo 3.1 (text-to-video)", "$3.20")
    assert "No spend budget applies" in dialog.budgets.text()
    assert live_studio.store.count_jobs() == 0 and fal_posts(ui_sandbox) == []
    # Esc cancels: nothing is written or sent.
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: gate.dialog is None)
    qtbot.waitUntil(lambda: any("nothing was sent" in t for t in window.toasts.visible_texts()))
    assert live_studio.store.count_jobs() == 0 and fal_posts(ui_sandbox) == []

    # Enter sends; ticking "don't ask again below $5" stops the next one asking.
    qtbot.mouseClick(compose.generate_button, Qt.MouseButton.LeftButton)
    gate, dialog = _dialog(window, qtbot)
    dialog.remember.setChecked(True)
    dialog.allow.setValue(5)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(fal_posts(ui_sandbox)) == 1, timeout=10_000)
    assert gate.allow_below == 5
    qtbot.mouseClick(compose.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(fal_posts(ui_sandbox)) == 2, timeout=10_000)
    assert gate.dialog is None


def test_unticked_the_next_action_asks_again(live_window, qtbot, live_studio):
    compose = _compose(window := live_window, qtbot, VEO)
    qtbot.mouseClick(compose.generate_button, Qt.MouseButton.LeftButton)
    gate, dialog = _dialog(window, qtbot)
    assert not dialog.remember.isChecked() and not dialog.allow.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: live_studio.store.count_jobs() == 1, timeout=5000)
    assert gate.allow_below is None
    qtbot.waitUntil(lambda: not compose._sending)
    qtbot.mouseClick(compose.generate_button, Qt.MouseButton.LeftButton)
    _dialog(window, qtbot)


def test_a_fan_out_over_the_daily_budget_is_refused_whole(live_window, qtbot, live_studio,
                                                         ui_sandbox):
    httpx.delete(f"{ui_sandbox.url}/_sandbox/requests")
    window = live_window
    live_studio.update_settings(set_value(live_studio.settings, "budgets.overall.daily_usd",
                                          "0.04"))
    window.spend_label.refresh()
    assert window.spend_label.text() == "Today $0.00 · $0.04 left (overall)"
    compose = _compose(window, qtbot, DEV, ("fal", "fal-ai/flux/schnell"), ("fal",
                       "fal-ai/flux-pro/v1.1"))
    qtbot.mouseClick(compose.generate_button, Qt.MouseButton.LeftButton)  # cheap: no dialog
    model = window.queue.model
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=5000)
    assert {model.job_at(r).status for r in range(3)} == {JobStatus.REFUSED}
    assert fal_posts(ui_sandbox) == []
    [group_id] = live_studio.compare.ids()  # the fan-out is still a compare group
    group = live_studio.compare.get(group_id)
    assert {live_studio.job(c.job_id).status for c in group.cells} == {JobStatus.REFUSED}
    qtbot.waitUntil(lambda: any("would cross the overall daily budget" in t
                                for t in window.toasts.visible_texts()))
    assert model.data(model.index(0, 3)) == "refused"
    # One that fits is sent, and the status bar follows what it spent.
    compose.targets.set_checked(("fal", "fal-ai/flux/schnell"), False)
    compose.targets.set_checked(("fal", "fal-ai/flux-pro/v1.1"), False)
    compose.revalidate()
    qtbot.mouseClick(compose.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(fal_posts(ui_sandbox)) == 1, timeout=10_000)
    qtbot.waitUntil(lambda: window.spend_label.text() == "Today $0.025 · $0.015 left (overall)",
                    timeout=5000)
    assert "Overall: today $0.025 of $0.04 ($0.015 left)" in window.spend_label.toolTip()


def test_send_to_compare_asks_before_the_group_is_sent(live_window, qtbot, live_studio,
                                                      ui_sandbox):
    httpx.delete(f"{ui_sandbox.url}/_sandbox/requests")
    window = live_window
    compose = _compose(window, qtbot, VEO, DEV)
    compose.compare_button.click()
    brief = window.compare.brief_panel
    assert brief.preview()
    brief.start_button.click()
    gate, dialog = _dialog(window, qtbot)
    assert dialog.heading.text() == "Send 2 live jobs for ≈ $3.23?"
    assert sorted(dialog.items.topLevelItem(i).text(1) for i in range(2)) == ["$0.025", "$3.20"]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: gate.dialog is None)
    assert live_studio.compare.ids() == [] and fal_posts(ui_sandbox) == []
    brief.start_button.click()
    gate, dialog = _dialog(window, qtbot)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(fal_posts(ui_sandbox)) == 2, timeout=10_000)
    [group_id] = live_studio.compare.ids()
    assert window.compare.group is not None and window.compare.group.id == group_id


def test_a_fan_out_asks_first_then_becomes_a_compare_group(live_window, qtbot, live_studio,
                                                          ui_sandbox):
    httpx.delete(f"{ui_sandbox.url}/_sandbox/requests")
    window = live_window
    compose = _compose(window, qtbot, VEO, DEV)
    qtbot.mouseClick(compose.generate_button, Qt.MouseButton.LeftButton)
    _gate, dialog = _dialog(window, qtbot)
    assert dialog.heading.text() == "Send 2 live jobs for ≈ $3.23?"
    assert live_studio.compare.ids() == [] and fal_posts(ui_sandbox) == []
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(fal_posts(ui_sandbox)) == 2, timeout=10_000)
    [group_id] = live_studio.compare.ids()
    cells = live_studio.compare.get(group_id).cells
    assert {(c.target.provider, c.target.model) for c in cells} == {VEO, DEV}
    qtbot.waitUntil(lambda: window.compare.group is not None
                    and window.compare.group.id == group_id)
