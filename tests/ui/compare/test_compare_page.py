"""The Compare tab is built the first time it is shown or used (start-up), and then
behaves as the tab: its signals reach the window, a group sent from Compose shows."""

from PySide6.QtGui import QKeySequence

from studio.core.compare.adapt import Brief, Target
from studio.core.compare.groups import CompareGroups
from studio.ui.compare.view import CompareTab
from tests.ui.conftest import run


def test_compare_is_built_on_first_show_not_at_start(window, qtbot, studio):
    page = window.compare
    assert not page.built and page.group is None
    assert page.findChildren(CompareTab) == []
    window.reset_layout()  # leaves full screen: nothing to build for that
    assert not page.built
    qtbot.keySequence(window, QKeySequence("Ctrl+3"))
    assert window.tabs.currentWidget() is page
    qtbot.waitUntil(lambda: page.built)
    assert page.findChildren(CompareTab) == [page.tab]
    assert page.tab.isVisible()


def test_a_group_focused_before_the_tab_was_shown_is_shown(window, qtbot, studio):
    targets = [Target.parse("fal:fal-ai/flux/dev"), Target.parse("stability:ultra")]
    group = run(qtbot, CompareGroups(studio).create(Brief(prompt="a lighthouse"), targets))
    assert not window.compare.built
    window.compose.fanoutSent.emit(group.id)  # as Compose does after a fan-out
    qtbot.waitUntil(lambda: window.compare.group is not None
                    and window.compare.group.id == group.id, timeout=3000)
    assert window.compare.cells.rowCount() == 2  # the tab's own model, through the page


def test_the_tabs_signals_reach_the_window(window, qtbot):
    seen = []
    window.compare.fullScreenRequested.connect(seen.append)
    window.compare.tab.fullScreenRequested.emit(True)
    assert seen == [True]
    assert window.tabs.tabBar().isHidden() and window.queue.isHidden()  # only the group
    window.set_compare_full_screen(False)
    assert not window.tabs.tabBar().isHidden()
