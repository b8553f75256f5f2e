"""The main window: Providers (left), Compose/Gallery (centre), Inspector (right),
Queue (bottom), menus, toolbar, shortcuts, and remembered geometry."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QAction, QCloseEvent

    from studio.ui.about_dialog import AboutDialog
    from studio.ui.catalog import WorkflowImportDialog
    from studio.ui.export import ExportDialog
    from studio.ui.session import Session
    from studio.ui.settings import SettingsDialog
    from studio.ui.viewer import ViewerWindow

SHORTCUTS = [
    ("Ctrl+Return", "Generate"), ("Del", "Cancel the selected job (in the Queue)"),
    ("Ctrl+R", "Retry the selected job"), ("Left / Right", "Previous / next gallery item"),
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
        from studio.ui.widgets import ImageLoader, ToastArea

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
        self.analyze_action = self._action(
            "Analyze image…", self.analyze_current,
            tip="Theme, subject, palette, lighting and motion prompts from the assistant")
        self.gallery.view.addAction(self.analyze_action)
        self.import_workflow_action = self._action(
            "Import ComfyUI workflow…", self.open_workflow_import,
            tip="Add an API-format workflow exported from ComfyUI as a ComfyUI and RunPod model")
        self.quit_action = self._action("Quit", self.close, QKeySequence.StandardKey.Quit)
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

    def analyze_current(self) -> None:
        """*Analyze image* on the gallery's current output (ui/assist)."""
        from studio.ui.assist import analyze_asset
        from studio.ui.gallery import ID_ROLE

        row = self.gallery.current_row()
        if row >= 0 and self.session is not None:
            model = self.gallery.model
            analyze_asset(self.session, model.data(model.index(row), ID_ROLE), self)

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
        dialog.finished.connect(dialog.deleteLater)
        self.settings_dialog = dialog
        dialog.open()  # never exec(): a nested loop inside the async loop fails
        return dialog

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

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.session is not None:
            self.save_layout()
            self.session.detach()
            self.queue.stop_timers()
            if self.viewer is not None:
                self.viewer.close()
        super().closeEvent(event)
        self.closed.emit()
