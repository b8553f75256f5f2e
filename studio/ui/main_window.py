"""The main window: Providers (left), Compose/Gallery (centre), Inspector (right),
Queue (bottom), menus, toolbar, shortcuts, and remembered geometry."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent
    from PySide6.QtWidgets import QMessageBox

    from studio.ui.about_dialog import AboutDialog
    from studio.ui.batch import BatchDialog
    from studio.ui.catalog import WorkflowImportDialog
    from studio.ui.export import ExportDialog
    from studio.ui.session import Session
    from studio.ui.settings import SettingsDialog
    from studio.ui.viewer import ViewerWindow

SHORTCUTS = [
    ("Ctrl+Return", "Generate"), ("Del", "Cancel the selected job (in the Queue); move the "
                                        "selected outputs to the Trash (in the Gallery)"),
    ("Ctrl+R", "Retry the selected jobs that failed"),
    ("Left / Right", "Previous / next gallery item"),
    ("1-5, 0", "Rate the gallery item, clear the rating"), ("Ctrl+C", "Copy the picture"),
    ("A, B, C… / = / -", "Compare: that cell is best / a tie / all bad"),
    ("Ctrl+S", "Compare: save the 1-5 ratings"), ("F11, Esc", "Compare full screen, back"),
    (", / .", "Viewer: one frame back / forward"), ("Z / F", "Viewer: 1:1 / fit"),
    ("*", "Model lists: favourite or not"), ("Ctrl+,", "Settings"),
    ("F5", "Refresh the provider catalog"),
    ("Ctrl+1 / Ctrl+2 / Ctrl+3 / Ctrl+4", "Compose / Gallery / Compare / Sequences"),
    ("Ctrl+Shift+D", "Dashboard: spend & speed"),
    ("Ctrl+E", "Export outputs to a folder"), ("Ctrl+Q", "Quit"),
    ("Ctrl+Shift+B", "Batch from list: a text or CSV file of prompts to several models"),
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
        self.setMinimumSize(800, 560)
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
        from PySide6.QtGui import QAction

        from studio.ui.catalog import CatalogDock
        from studio.ui.compare import ComparePage
        from studio.ui.compose import ComposeTab
        from studio.ui.dock_layout import DockLayout, DockPlace
        from studio.ui.gallery import GalleryTab, InspectorDock
        from studio.ui.queue import FinishedNotices, QueueDock
        from studio.ui.widgets import (
            DesktopNotifier,
            ImageLoader,
            SpendStatus,
            ToastArea,
            apply_theme,
            set_theme_preference,
            theme_preference,
        )
        from studio.ui.window_actions import build_actions

        self.session = session
        studio = session.studio
        if session.preferences().theme != theme_preference():
            set_theme_preference(session.preferences().theme)
            app = QApplication.instance()
            if isinstance(app, QApplication):
                apply_theme(app)
        self.base_title = "Provider Studio" + (" — sandbox" if studio.sandbox_url else "")
        self.setWindowTitle(self.base_title)
        self.loader = ImageLoader(studio.paths.thumbs_dir, self)
        self.compose = ComposeTab(session, self.loader, self)
        self.gallery = GalleryTab(session, self.loader, self)
        self.compare = ComparePage(session, self.loader, self)  # built on first show
        from PySide6.QtWidgets import QTabWidget

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("centreTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.compose, "Compose")
        self.tabs.addTab(self.gallery, "Gallery")
        self.tabs.addTab(self.compare, "Compare")
        self.setCentralWidget(self.tabs)
        self.catalog = CatalogDock(session, self)
        self.inspector = InspectorDock(session, self.loader, self)
        self.queue = QueueDock(session, self)
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.addDockWidget(left, self.catalog)
        self.addDockWidget(right, self.inspector)
        self.addDockWidget(bottom, self.queue)
        from studio.ui.pods import PodsCostLabel, PodsDock

        self.pods_dock = PodsDock(session, self)  # a tab behind the Queue
        self.addDockWidget(bottom, self.pods_dock)
        self.tabifyDockWidget(self.queue, self.pods_dock)
        self.queue.raise_()
        self.dock_layout = DockLayout(self, [
            DockPlace(self.catalog, left, 0.23, 240, 380),
            DockPlace(self.inspector, right, 0.24, 250, 420),
            DockPlace(self.queue, bottom, 0.22, 130, 260)])
        self.dock_layout.tabbed.append((self.queue, self.pods_dock))
        self.toasts = ToastArea(self)
        self.notifier = DesktopNotifier(self)
        self.notices = FinishedNotices(session, self.queue.model, self.toasts, self.notifier,
                                       self)
        self.viewer: ViewerWindow | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.batch_dialog: BatchDialog | None = None
        self._before_full: tuple | None = None
        made = build_actions(self, self)
        self.generate_action, self.settings_action = made.generate, made.settings
        self.export_action, self.import_workflow_action = made.export, made.import_workflow
        self.quit_action, self.reset_layout_action = made.quit, made.reset_layout
        self.compare_action, self.toolbar = made.compare, made.toolbar
        from studio.ui.sequences.install import install as install_sequences

        self.sequences = install_sequences(self, self.tabs, session, self.loader)

        from studio.ui.dashboard import install as install_dashboard

        self.dashboard = install_dashboard(self, self.tabs, session)
        self.analyze_action = QAction("Analyze image…", self)  # the gallery's context menu
        self.analyze_action.setStatusTip("Theme, subject, palette, lighting and motion prompts "
                                         "from the assistant")
        self.analyze_action.triggered.connect(self.analyze_current)
        self.gallery.view.addAction(self.analyze_action)
        self.mode_label = QLabel(self)
        self.spend_label = SpendStatus(session, self)  # today's spend and what is left
        self.statusBar().addPermanentWidget(self.spend_label)
        self.pods_cost = PodsCostLabel(session, self)  # shown while a pod is up
        self.pods_dock.costChanged.connect(self.pods_cost.update_cost)
        self.statusBar().addPermanentWidget(self.pods_cost)
        self.statusBar().addPermanentWidget(self.mode_label)
        self.statusBar().setSizeGripEnabled(True)

        session.toast.connect(lambda level, text: self.toasts.show(level, text))
        session.useRequest.connect(self._use_request)
        session.inputsRequested.connect(self._take_inputs)
        session.catalogChanged.connect(self._update_mode)
        self.compose.submitted.connect(self._on_submitted)
        self.compose.compareRequested.connect(self.send_to_compare)
        self.compose.fanoutSent.connect(self.compare.focus_group)
        self.gallery.openRequested.connect(self.open_viewer)
        self.gallery.settingsRequested.connect(self.open_settings)
        self.compare.openRequested.connect(self.open_viewer_on)
        self.compare.fullScreenRequested.connect(self.set_compare_full_screen)
        self.queue.activityChanged.connect(self.show_activity)
        self._restore_state()
        self._update_mode()

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
        self.compose.prompt.setFocus()
        self.toasts.show("info", "Compose now holds those settings. Nothing was sent.")

    def _take_inputs(self, request) -> None:
        """Outputs chosen as inputs (or a saved mask) anywhere: Compose holds them now."""
        self.compose.take_inputs(request)
        self.tabs.setCurrentWidget(self.compose)

    def open_export(self) -> ExportDialog:
        from studio.ui.export import open_export_dialog

        group = self.compare.group.id if self.compare.group is not None else None
        return open_export_dialog(self.session, self.gallery, self, compare_group=group,
                                  prefer_group=self.tabs.currentWidget() is self.compare)

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

    def open_batch(self) -> BatchDialog:
        """Batch from list (ui/batch): one dialog, kept while its batch runs."""
        from studio.ui.batch import BatchDialog

        if self.batch_dialog is None:
            assert self.session is not None
            self.batch_dialog = BatchDialog(self.session, self)
            self.batch_dialog.showInGallery.connect(self.show_batches)
        self.batch_dialog.open()  # never exec(): a nested loop inside the async loop fails
        self.batch_dialog.raise_()
        return self.batch_dialog

    def show_batches(self, _batch_id: str = "") -> None:
        """The Gallery with outputs stacked by batch (a list's batch is one stack)."""
        self.tabs.setCurrentWidget(self.gallery)
        self.gallery.group.setCurrentIndex(max(0, self.gallery.group.findData("batch")))

    def open_settings(self) -> SettingsDialog:
        from studio.ui.settings import SettingsDialog

        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self.settings_dialog.raise_()
            return self.settings_dialog
        dialog = SettingsDialog(self.session, self)
        dialog.finished.connect(self._settings_closed)
        self.settings_dialog = dialog
        dialog.open()  # never exec(): a nested loop inside the async loop fails
        return dialog

    def _settings_closed(self) -> None:
        """Forget the dialog before it is deleted, so the next Ctrl+, makes a new one."""
        dialog, self.settings_dialog = self.settings_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def open_viewer(self, row: int) -> ViewerWindow:
        """The Viewer over the gallery, at this row."""
        return self.open_viewer_on(self.gallery.model, row)

    def open_viewer_on(self, source, row: int) -> ViewerWindow:
        """The Viewer over any source of outputs (the gallery, a compare group's cells)."""
        from studio.ui.viewer import ViewerWindow

        if self.viewer is None:
            self.viewer = ViewerWindow(source, self.loader, self, session=self.session)
            self.viewer.rowChanged.connect(self._viewer_moved)
        self.viewer.set_source(source)
        self.viewer.show_row(row)
        self.viewer.show()
        self.viewer.raise_()
        return self.viewer

    def _viewer_moved(self, row: int) -> None:
        if self.viewer is not None and self.viewer.model is self.gallery.model:
            self.gallery.select_row(row)

    def show_activity(self, running: int, progress: float | None) -> None:
        """Jobs in flight in the title (and so in the taskbar): "(2 running · 45%)"."""
        done = f" · {progress:.0%}" if progress is not None else ""
        self.setWindowTitle(f"({running} running{done}) {self.base_title}" if running
                            else self.base_title)

    def set_compare_full_screen(self, on: bool) -> None:
        """Only the compare group on screen (F11), or everything back as it was (Esc)."""
        if on and self._before_full is None:
            self._before_full = (self.saveState(), self.windowState())
            self.tabs.setCurrentWidget(self.compare)
            for w in (self.menuBar(), self.toolbar, self.statusBar(), self.tabs.tabBar(),
                      self.catalog, self.inspector, self.queue):
                if w is not None:
                    w.hide()
            self.showFullScreen()
        elif not on and self._before_full is not None:
            state, window_state = self._before_full
            self._before_full = None
            for w in (self.menuBar(), self.toolbar, self.statusBar(), self.tabs.tabBar()):
                if w is not None:
                    w.show()
            self.restoreState(state)
            self.setWindowState(window_state)
            self.compare.set_full_screen(False)

    def reset_layout(self) -> None:
        """View > Reset layout: every panel back in its place, at its usual size."""
        self.set_compare_full_screen(False)
        if self.toolbar is not None:
            self.toolbar.show()
        self.dock_layout.reset()
        self.toasts.show("info", "Layout reset: Providers left, Inspector right, Queue below.")

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
            QTimer.singleShot(0, self.dock_layout.apply_defaults)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.session is not None and not self._restored:
            # First start: give the docks sizes that fit the window once laid out.
            self._restored = True
            QTimer.singleShot(0, self.dock_layout.apply_defaults)

    def save_layout(self) -> None:
        self._ui_settings.setValue("geometry", self.saveGeometry())
        self._ui_settings.setValue("state", self.saveState())
        self._ui_settings.sync()

    def live_jobs(self) -> list[str]:
        """Jobs this window's process is sending or polling right now."""
        return self.session.studio.runner.active() if self.session is not None else []

    def running_pods(self) -> list[dict]:
        """RunPod pods last seen running, with what each costs per hour."""
        return self.session.studio.pods.quit_check() if self.session is not None else []

    def request_quit(self) -> None:
        """Quit (Ctrl+Q, the window's close button): with live jobs or running pods, ask
        first (one question for both)."""
        live, pods = self.live_jobs(), self.running_pods()
        if not live and not pods:
            self._quit_confirmed = True
            self.close()
            return
        if self.quit_question is not None and self.quit_question.isVisible():
            self.quit_question.raise_()
            return
        from studio.ui.pods import quit_question

        box, quit_button, stop_button = quit_question(self, len(live), pods)

        def decided(_result: int) -> None:
            clicked = box.clickedButton()
            if clicked is quit_button:
                self._quit_confirmed = True
                self.close()
            elif stop_button is not None and clicked is stop_button and self.session:
                ids = [p["pod_id"] for p in pods]
                task = self.session.spawn(self.session.studio.pods.stop_all(ids),
                                          what="Stopping pods")
                task.add_done_callback(lambda _t: self._quit_after_stopping())

        box.finished.connect(decided)
        box.finished.connect(box.deleteLater)
        self.quit_question = box
        box.open()  # never exec(): a nested loop inside the async loop fails

    def _quit_after_stopping(self) -> None:
        self._quit_confirmed = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        # The window's own close button asks like Ctrl+Q; close() from code (tests,
        # --quit-after) does not.
        if event.spontaneous() and not self._quit_confirmed and (self.live_jobs()
                                                                 or self.running_pods()):
            event.ignore()
            self.request_quit()
            return
        if self.session is not None:
            self.set_compare_full_screen(False)
            self.save_layout()
            self.session.detach()
            self.queue.stop_timers()
            self.pods_dock.stop_timers()
            if self.viewer is not None:
                self.viewer.close()
        super().closeEvent(event)
        self.closed.emit()
