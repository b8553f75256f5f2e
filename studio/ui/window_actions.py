"""The main window's actions, menus and toolbar (built once the window is attached)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabWidget, QToolBar

if TYPE_CHECKING:
    from studio.ui.catalog import CatalogDock
    from studio.ui.compare import ComparePage
    from studio.ui.compose import ComposeTab
    from studio.ui.gallery import GalleryTab, InspectorDock
    from studio.ui.queue import QueueDock


class WindowParts(Protocol):
    """The main window as its actions see it: its parts and the slots they call (the
    window's module imports this one, so it is not imported back)."""

    @property
    def queue(self) -> QueueDock: ...

    @property
    def catalog(self) -> CatalogDock: ...

    @property
    def inspector(self) -> InspectorDock: ...

    @property
    def pods_dock(self) -> QDockWidget: ...

    @property
    def gallery(self) -> GalleryTab: ...

    @property
    def compose(self) -> ComposeTab: ...

    @property
    def compare(self) -> ComparePage: ...

    @property
    def tabs(self) -> QTabWidget: ...

    def generate(self) -> None: ...

    def open_settings(self) -> Any: ...

    def open_export(self) -> Any: ...

    def open_workflow_import(self) -> Any: ...

    def open_batch(self) -> Any: ...

    def request_quit(self) -> None: ...

    def reset_layout(self) -> None: ...

    def show_shortcuts(self) -> None: ...

    def show_about(self) -> Any: ...


@dataclass(frozen=True)
class WindowActions:
    """The main window's actions and toolbar."""
    generate: QAction
    settings: QAction
    export: QAction
    import_workflow: QAction
    quit: QAction
    reset_layout: QAction
    compare: QAction
    toolbar: QToolBar


def action(window: QMainWindow, text: str, slot: Callable[[], Any], shortcut: Any = None,
           tip: str = "") -> QAction:
    made = QAction(text, window)
    made.triggered.connect(slot)
    if shortcut is not None:
        made.setShortcut(QKeySequence(shortcut))
    if tip:
        made.setToolTip(tip)
        made.setStatusTip(tip)
    return made


def build_actions(window: QMainWindow, w: WindowParts) -> WindowActions:
    """Menus and the toolbar of `window` (whose parts and slots are `w`)."""
    q = w.queue.actions_
    generate = action(window, "Generate", w.generate, "Ctrl+Return",
                      "Send the prompt to every checked model")
    generate.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    settings = action(window, "Settings…", w.open_settings, "Ctrl+,",
                      "Feature flags, keys, budgets, theme, limits, paths")
    settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    export = action(window, "Export…", w.open_export, "Ctrl+E",
                    "Copy the selection, a compare group or the gallery to a folder, "
                    "with metadata and sidecars")
    w.gallery.view.addAction(export)  # the gallery's context menu
    import_workflow = action(
        window, "Import ComfyUI workflow…", w.open_workflow_import,
        tip="Add an API-format workflow exported from ComfyUI as a ComfyUI and RunPod model")
    quit_action = action(window, "Quit", w.request_quit, QKeySequence.StandardKey.Quit)
    quit_action.setShortcut(QKeySequence("Ctrl+Q"))
    reset_layout = action(window, "Reset layout", w.reset_layout,
                          tip="Put every panel back in its place at its usual size")
    reset_layout.setObjectName("resetLayout")
    refresh = w.catalog.refresh_action
    window.addAction(refresh)  # F5 works from anywhere in the window

    batch = action(window, "Batch from list…", w.open_batch, "Ctrl+Shift+B",
                   "Send a text or CSV file of prompts to one or more models as one batch")
    batch.setObjectName("batchFromList")
    window.addAction(batch)
    menu = window.menuBar().addMenu("&File")
    menu.addAction(batch)
    menu.addAction(import_workflow)
    menu.addAction(export)
    menu.addAction(settings)
    menu.addSeparator()
    menu.addAction(quit_action)
    menu = window.menuBar().addMenu("&Jobs")
    menu.addAction(generate)
    menu.addSeparator()
    for queue_action in q.values():
        menu.addAction(queue_action)
    menu.addAction(w.queue.clear_action)
    menu = window.menuBar().addMenu("&View")
    menu.addAction(action(window, "Compose", lambda: w.tabs.setCurrentWidget(w.compose),
                          "Ctrl+1"))
    menu.addAction(action(window, "Gallery", lambda: w.tabs.setCurrentWidget(w.gallery),
                          "Ctrl+2"))
    compare = action(window, "Compare", lambda: w.tabs.setCurrentWidget(w.compare), "Ctrl+3",
                     "Compare groups side by side, vote, and see your scoreboard")
    menu.addAction(compare)
    menu.addSeparator()
    menu.addAction(refresh)
    menu.addSeparator()
    for dock in (w.catalog, w.inspector, w.queue, w.pods_dock):
        menu.addAction(dock.toggleViewAction())
    menu.addAction(reset_layout)
    menu = window.menuBar().addMenu("&Help")
    menu.addAction(action(window, "Keyboard shortcuts", w.show_shortcuts))
    menu.addAction(action(window, "About Provider Studio", w.show_about))
    for made in (generate, export, settings, quit_action):
        window.addAction(made)

    bar = QToolBar("Main", window)
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    bar.addAction(generate)
    bar.addSeparator()
    bar.addAction(q["cancel"])
    bar.addAction(q["retry"])
    bar.addSeparator()
    bar.addAction(refresh)
    bar.addAction(settings)
    window.addToolBar(bar)
    return WindowActions(generate, settings, export, import_workflow, quit_action,
                         reset_layout, compare, bar)
