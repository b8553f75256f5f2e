"""The main window's actions, menus and toolbar (built once the window is attached)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow


def action(window: MainWindow, text: str, slot, shortcut=None, tip: str = "") -> QAction:
    made = QAction(text, window)
    made.triggered.connect(slot)
    if shortcut is not None:
        made.setShortcut(QKeySequence(shortcut))
    if tip:
        made.setToolTip(tip)
        made.setStatusTip(tip)
    return made


def build_actions(w: MainWindow) -> None:
    q = w.queue.actions_
    w.generate_action = action(w, "Generate", w.generate, "Ctrl+Return",
                               "Send the prompt to every checked model")
    w.generate_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    w.settings_action = action(w, "Settings…", w.open_settings, "Ctrl+,",
                               "Feature flags, keys, theme, limits, paths")
    w.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
    w.export_action = action(w, "Export…", w.open_export, "Ctrl+E",
                             "Copy the selection, a compare group or the gallery to a folder, "
                             "with metadata and sidecars")
    w.gallery.view.addAction(w.export_action)  # the gallery's context menu
    w.import_workflow_action = action(
        w, "Import ComfyUI workflow…", w.open_workflow_import,
        tip="Add an API-format workflow exported from ComfyUI as a ComfyUI and RunPod model")
    w.quit_action = action(w, "Quit", w.close, QKeySequence.StandardKey.Quit)
    w.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
    w.reset_layout_action = action(w, "Reset layout", w.reset_layout,
                                   tip="Put every panel back in its place at its usual size")
    w.reset_layout_action.setObjectName("resetLayout")
    refresh = w.catalog.refresh_action
    w.addAction(refresh)  # F5 works from anywhere in the window

    menu = w.menuBar().addMenu("&File")
    menu.addAction(w.import_workflow_action)
    menu.addAction(w.export_action)
    menu.addAction(w.settings_action)
    menu.addSeparator()
    menu.addAction(w.quit_action)
    menu = w.menuBar().addMenu("&Jobs")
    menu.addAction(w.generate_action)
    menu.addSeparator()
    for queue_action in q.values():
        menu.addAction(queue_action)
    menu.addAction(w.queue.clear_action)
    menu = w.menuBar().addMenu("&View")
    menu.addAction(action(w, "Compose", lambda: w.tabs.setCurrentWidget(w.compose), "Ctrl+1"))
    menu.addAction(action(w, "Gallery", lambda: w.tabs.setCurrentWidget(w.gallery), "Ctrl+2"))
    w.compare_action = action(w, "Compare", lambda: w.tabs.setCurrentWidget(w.compare),
                              "Ctrl+3", "Compare groups side by side, vote, and see your "
                              "scoreboard")
    menu.addAction(w.compare_action)
    menu.addSeparator()
    menu.addAction(refresh)
    menu.addSeparator()
    for dock in (w.catalog, w.inspector, w.queue):
        menu.addAction(dock.toggleViewAction())
    menu.addAction(w.reset_layout_action)
    menu = w.menuBar().addMenu("&Help")
    menu.addAction(action(w, "Keyboard shortcuts", w.show_shortcuts))
    menu.addAction(action(w, "About Provider Studio", w.show_about))
    for made in (w.generate_action, w.export_action, w.settings_action, w.quit_action):
        w.addAction(made)

    bar = QToolBar("Main", w)
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    bar.addAction(w.generate_action)
    bar.addSeparator()
    bar.addAction(q["cancel"])
    bar.addAction(q["retry"])
    bar.addSeparator()
    bar.addAction(refresh)
    bar.addAction(w.settings_action)
    w.addToolBar(bar)
    w.toolbar = bar
