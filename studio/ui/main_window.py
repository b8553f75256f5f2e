"""The main window: Providers (left), Compose/Gallery (centre), Inspector (right),
Queue (bottom), menus, toolbar, shortcuts, and remembered geometry."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QAction, QCloseEvent
    from PySide6.QtWidgets import QMessageBox

    from studio.ui.about_dialog import AboutDialog
    from studio.ui.catalog import WorkflowImportDialog
    from studio.ui.export import ExportDialog
    from studio.ui.session import Session
    from studio.ui.settings import SettingsDialog
    from studio.ui.viewer import ViewerWindow

SHORTCUTS = [
    ("Ctrl+Return", "Generate"), ("Del", "Cancel the selected job (in the Queue)"),
    ("Ctrl+R", "Retry the selected jobs that failed"),
    ("Left / Right", "Previous / next gallery item"),
    ("1-5, 0", "Rate the gallery item, clear the rating"), ("Ctrl+,", "Settings"),
    ("F5", "Refresh the provider catalog"),
    ("Ctrl+1 / Ctrl+2 / Ctrl+3", "Compose / Gallery / Compare"),
    ("Ctrl+E", "Export outputs to a folder"), ("Ctrl+Q", "Quit"),
]


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(
        self,
        session: Session | None = None,
        parent: QWidget | None = None,
        *,
        config_dir: Path | None = None,
    ) -> None:
        """A window frame that paints at once; `attach(session)` fills it in.

        Start-up shows this frame (title, remembered geometry, a "Starting" line) before
        the service and its widgets are imported and built, so the window is on screen
        within a few tens of milliseconds of Qt itself."""
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.session: Session | None = None
        self.setWindowTitle("Provider Studio")
        config_dir = config_dir or (session.studio.paths.config_dir if session else None)
        if config_dir is None:
            raise ValueError("MainWindow needs a session or a config_dir")
        self._ui_settings = QSettings(str(Path(config_dir) / "ui.ini"),
                                      QSettings.Format.IniFormat)
        self._restored = False
        self._quit_confirmed = False
        self.quit_question: QMessageBox | None = None  # "Quit with jobs running?", if open
        self.resize(1440, 900)
        geometry = self._ui_settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        starting = QLabel("Starting Provider Studio…", self)
        starting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        starting.setProperty("role", "muted")
        self.setCentralWidget(starting)
        if session is not None:
            self.attach(session)

    def attach(self, session: Session) -> None:
        """Build the docks, tabs, menus and toolbar around a running Studio service."""
        from studio.ui.catalog import CatalogDock
        from studio.ui.compare import CompareTab
        from studio.ui.compose import ComposeTab
        from studio.ui.gallery import GalleryTab, InspectorDock
        from studio.ui.queue import QueueDock
        from studio.ui.widgets import ImageLoader, SpendStatus, ToastArea

        self.session = session
        studio = session.studio
        self.setWindowTitle("Provider Studio" + (" — sandbox" if studio.sandbox_url else ""))
        self.loader = ImageLoader(studio.paths.thumbs_dir, self)
        self.compose = ComposeTab(session, self.loader, self)
        self.gallery = GalleryTab(session, self.loader, self)
        self.compare = CompareTab(session, self.loader, self)
        from PySide6.QtWidgets import QTabWidget

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("centreTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.compose, "Compose")
        self.tabs.addTab(self.gallery, "Gallery")
        self.tabs.addTab(self.compare, "Compare")
        self.setCentralWidget(self.tabs)
        self.catalog = CatalogDock(session, self)
        self.inspector = InspectorDock(session, self)
        self.queue = QueueDock(session, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.catalog)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.queue)
        self.toasts = ToastArea(self)
        self.viewer: ViewerWindow | None = None
        self.settings_dialog: SettingsDialog | None = None
        self._build_actions()
        self.mode_label = QLabel(self)
        self.spend_label = SpendStatus(session, self)  # today's spend and what is left
        self.statusBar().addPermanentWidget(self.spend_label)
        self.statusBar().addPermanentWidget(self.mode_label)
        self.statusBar().setSizeGripEnabled(True)

        session.toast.connect(self.toasts.show)
        session.useRequest.connect(self._use_request)
        session.catalogChanged.connect(self._update_mode)
        self.compose.submitted.connect(self._on_submitted)
        self.compose.compareRequested.connect(self.send_to_compare)
        self.gallery.openRequested.connect(self.open_viewer)
        self._restore_state()
        self._update_mode()

    # -- actions, menus, toolbar --------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        from PySide6.QtGui import QAction, QKeySequence

        action = QAction(text, self)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        return action

    def _build_actions(self) -> None:
        from PySide6.QtGui import QAction, QKeySequence
        from PySide6.QtWidgets import QToolBar

        q = self.queue.actions_
        self.generate_action = self._action("Generate", self.generate, "Ctrl+Return",
                                            "Send the prompt to every checked model")
        self.generate_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.settings_action = self._action("Settings…", self.open_settings, "Ctrl+,",
                                            "Feature flags, keys, limits, paths")
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.export_action = self._action("Export…", self.open_export, "Ctrl+E",
                                          "Copy the selection, a compare group or the gallery "
                                          "to a folder, with metadata and sidecars")
        self.gallery.view.addAction(self.export_action)  # the gallery's context menu
        self.import_workflow_action = self._action(
            "Import ComfyUI workflow…", self.open_workflow_import,
            tip="Add an API-format workflow exported from ComfyUI as a ComfyUI and RunPod model")
        self.quit_action = self._action("Quit", self.request_quit,
                                        QKeySequence.StandardKey.Quit)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        refresh = self.catalog.refresh_action
        self.addAction(refresh)  # F5 works from anywhere in the window

        menu = self.menuBar().addMenu("&File")
        menu.addAction(self.import_workflow_action)
        menu.addAction(self.export_action)
        menu.addAction(self.settings_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        menu = self.menuBar().addMenu("&Jobs")
        menu.addAction(self.generate_action)
        menu.addSeparator()
        for action in q.values():
            menu.addAction(action)
        menu = self.menuBar().addMenu("&View")
        menu.addAction(self._action("Compose", lambda: self.tabs.setCurrentIndex(0), "Ctrl+1"))
        menu.addAction(self._action("Gallery", lambda: self.tabs.setCurrentIndex(1), "Ctrl+2"))
        self.compare_action = self._action(
            "Compare", lambda: self.tabs.setCurrentWidget(self.compare), "Ctrl+3",
            "Compare groups side by side, vote, and see your scoreboard")
        menu.addAction(self.compare_action)
        menu.addSeparator()
        menu.addAction(refresh)
        menu.addSeparator()
        for dock in (self.catalog, self.inspector, self.queue):
            menu.addAction(dock.toggleViewAction())
        menu = self.menuBar().addMenu("&Help")
        menu.addAction(self._action("Keyboard shortcuts", self.show_shortcuts))
        menu.addAction(self._action("About Provider Studio", self.show_about))
        for action in (self.generate_action, self.export_action, self.settings_action,
                       self.quit_action):
            self.addAction(action)

        bar = QToolBar("Main", self)
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addAction(self.generate_action)
        bar.addSeparator()
        bar.addAction(q["cancel"])
        bar.addAction(q["retry"])
        bar.addSeparator()
        bar.addAction(refresh)
        bar.addAction(self.settings_action)
        self.addToolBar(bar)

    # -- behaviour ----------------------------------------------------------------------

    def generate(self) -> None:
        self.tabs.setCurrentWidget(self.compose)
        self.compose.generate()

    def _on_submitted(self, job_ids: list[str]) -> None:
        if job_ids:
            self.queue.select_job(job_ids[0])

    def send_to_compare(self, payload: dict) -> None:
        """Compose's prompt and checked models become a new compare brief (nothing sent)."""
        self.compare.new_from(payload)
        self.tabs.setCurrentWidget(self.compare)

    def _use_request(self, data: dict) -> None:
        self.compose.fill_from_request(data)
        self.tabs.setCurrentWidget(self.compose)
        self.toasts.show("info", "Compose now holds those settings. Nothing was sent.")

    def open_export(self) -> ExportDialog:
        from studio.ui.export import open_export_dialog

        return open_export_dialog(self.session, self.gallery, self)

    def open_workflow_import(self) -> WorkflowImportDialog:
        from studio.ui.catalog import WorkflowImportDialog

        dialog = WorkflowImportDialog(self.session, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()  # never exec(): a nested loop inside the async loop fails
        return dialog

    def open_settings(self) -> SettingsDialog:
        from studio.ui.settings import SettingsDialog

        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self.settings_dialog.raise_()
            return self.settings_dialog
        dialog = SettingsDialog(self.session, self)
        dialog.finished.connect(self._settings_closed)  # forget it before it is deleted
        dialog.finished.connect(dialog.deleteLater)
        self.settings_dialog = dialog
        dialog.open()  # never exec(): a nested loop inside the async loop fails
        return dialog

    def _settings_closed(self) -> None:
        self.settings_dialog = None

    def open_viewer(self, row: int) -> ViewerWindow:
        from studio.ui.viewer import ViewerWindow

        if self.viewer is None:
            self.viewer = ViewerWindow(self.gallery.model, self.loader, self)
            self.viewer.rowChanged.connect(self.gallery.select_row)
        self.viewer.show_row(row)
        self.viewer.show()
        self.viewer.raise_()
        return self.viewer

    def _update_mode(self) -> None:
        entries = self.session.entries()
        live = sum(e.status in ("live", "low-quota") for e in entries)
        studio = self.session.studio
        where = f"Sandbox {studio.sandbox_url}" if studio.sandbox_url else "Public providers"
        self.mode_label.setText(f"{where} · {live} of {len(entries)} live")

    def show_startup_messages(self) -> None:
        """Config-load warnings and a missing-font warning, shown once as toasts."""
        for message in self.session.studio.warnings:
            self.toasts.show("error", message)
        from studio.ui.widgets import font_warning

        app = QApplication.instance()
        warning = font_warning(app) if isinstance(app, QApplication) else None
        if warning:
            self.toasts.show("error", warning)

    def show_shortcuts(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>"
                       for k, v in SHORTCUTS)
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts",
                          f"<table>{rows}</table>", QMessageBox.StandardButton.Close, self)
        box.open()

    def show_about(self) -> AboutDialog:
        from studio.ui.about_dialog import AboutDialog

        paths = self.session.studio.paths if self.session is not None else None
        dialog = AboutDialog(paths, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()  # never exec(): a nested loop inside the async loop fails
        return dialog

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        kinds = (QEvent.Type.ApplicationPaletteChange, QEvent.Type.PaletteChange)
        if event.type() in kinds and self.session is not None and not self.session.closed:
            self.session.reload_catalog()  # rich text and badges pick up the new colours

    # -- geometry -----------------------------------------------------------------------

    def _restore_state(self) -> None:
        state = self._ui_settings.value("state")
        self._restored = state is not None and self.restoreState(state)
        if not self._restored and self.isVisible():
            self._restored = True
            QTimer.singleShot(0, self._default_dock_sizes)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.session is not None and not self._restored:
            # First start: give the docks sensible sizes once laid out.
            self._restored = True
            QTimer.singleShot(0, self._default_dock_sizes)

    def _default_dock_sizes(self) -> None:
        self.resizeDocks([self.catalog, self.inspector], [330, 360], Qt.Orientation.Horizontal)
        self.resizeDocks([self.queue], [220], Qt.Orientation.Vertical)

    def save_layout(self) -> None:
        self._ui_settings.setValue("geometry", self.saveGeometry())
        self._ui_settings.setValue("state", self.saveState())
        self._ui_settings.sync()

    def live_jobs(self) -> list[str]:
        """Jobs this window's process is sending or polling right now."""
        return self.session.studio.runner.active() if self.session is not None else []

    def request_quit(self) -> None:
        """Quit (Ctrl+Q, the window's close button): with live jobs, ask first."""
        live = self.live_jobs()
        if not live:
            self._quit_confirmed = True
            self.close()
            return
        if self.quit_question is not None and self.quit_question.isVisible():
            self.quit_question.raise_()
            return
        from PySide6.QtWidgets import QMessageBox

        n = len(live)
        box = QMessageBox(
            QMessageBox.Icon.Question, "Quit with jobs running?",
            f"{n} job{'s are' if n != 1 else ' is'} still running. "
            f"{'They keep' if n != 1 else 'It keeps'} running at the provider (and "
            f"{'are' if n != 1 else 'is'} charged there); Provider Studio picks "
            f"{'them' if n != 1 else 'it'} up again and downloads the results the next time "
            "it starts (or run studio-cli resume).",
            QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("quitConfirm")
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def decided(_result: int) -> None:
            if box.clickedButton() is quit_button:
                self._quit_confirmed = True
                self.close()

        box.finished.connect(decided)
        box.finished.connect(box.deleteLater)
        self.quit_question = box
        box.open()  # never exec(): a nested loop inside the async loop fails

    def closeEvent(self, event: QCloseEvent) -> None:
        # The window's own close button asks like Ctrl+Q; close() from code (tests,
        # --quit-after) does not.
        if event.spontaneous() and not self._quit_confirmed and self.live_jobs():
            event.ignore()
            self.request_quit()
            return
        if self.session is not None:
            self.save_layout()
            self.session.detach()
            self.queue.stop_timers()
            if self.viewer is not None:
                self.viewer.close()
        super().closeEvent(event)
        self.closed.emit()
