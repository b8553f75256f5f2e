"""Settings > Budgets: limits per day and month, overall and per provider account, and the
per-action amount; saved with the dialog, shown in the status bar at once."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

pytestmark = pytest.mark.gui


def _save(dialog, qtbot):
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


def test_budgets_are_edited_in_settings(window, qtbot, studio):
    assert window.spend_label.text() == "Today $0.00 · no daily budget"
    dialog = window.open_settings()
    page = dialog.budgets
    assert dialog.tabs.tabText(dialog.tabs.indexOf(page)) == "Budgets"
    assert page.confirm.value() == 2.0
    assert "pika" not in {who for who, _ in page.fields}  # paid from fal's account
    qtbot.keyClicks(page.fields[("fal", "day")], "5")
    qtbot.keyClicks(page.fields[("fal", "month")], "50")
    qtbot.keyClicks(page.fields[("overall", "month")], "200")
    page.confirm.setValue(3.5)
    _save(dialog, qtbot)
    assert not dialog.isVisible()
    budgets = studio.settings.budgets
    assert budgets.confirm_above_usd == 3.5
    assert (budgets.overall.daily_usd, budgets.overall.monthly_usd) == (None, 200.0)
    assert budgets.providers["fal"].model_dump() == {"daily_usd": 5.0, "monthly_usd": 50.0}
    assert list(budgets.providers) == ["fal"]
    qtbot.waitUntil(lambda: window.spend_label.text() == "Today $0.00 · $5.00 left (fal)")

    # Reopened, the page shows them; clearing a field removes that limit.
    dialog = window.open_settings()
    assert dialog.budgets.fields[("fal", "day")].text() == "5"
    dialog.budgets.fields[("fal", "day")].clear()
    _save(dialog, qtbot)
    assert studio.settings.budgets.providers["fal"].daily_usd is None


def test_a_bad_amount_is_named_and_nothing_is_saved(window, qtbot, studio):
    dialog = window.open_settings()
    dialog.budgets.fields[("overall", "day")].setText("lots")
    _save(dialog, qtbot)
    assert dialog.isVisible()
    assert "Overall per day" in dialog.error.text()
    assert studio.settings.budgets.overall.daily_usd is None
    dialog.close()
