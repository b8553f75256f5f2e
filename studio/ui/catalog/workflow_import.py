"""File > Import ComfyUI workflow…: pick an API-format JSON file, name it, import it.

The file is read as data (validated in core.workflows); an error is shown in the dialog
and nothing is saved. On success the catalog is reloaded, so the workflow is a ComfyUI
(and RunPod) model in the Providers dock and in Compose at once.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.workflows import MAX_NAME, ImportedWorkflow, WorkflowImportError
from studio.ui.session import Session

FILTER = "ComfyUI API workflow (*.json);;All files (*)"
HINT = ("In ComfyUI use Workflow › Export (API) and choose that file. It is read as data: "
        "nothing in it runs here. Prompt, negative prompt, seed and input image are found "
        "in the graph; sizes, steps and the checkpoint become form fields.")


class WorkflowImportDialog(QDialog):
    imported = Signal(object)  # ImportedWorkflow

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workflowImportDialog")
        self.setWindowTitle("Import ComfyUI workflow")
        self.session = session
        self.result_workflow: ImportedWorkflow | None = None
        self._file_dialog: QFileDialog | None = None

        self.path = QLineEdit(self)
        self.path.setPlaceholderText("workflow_api.json")
        self.path.textChanged.connect(self._on_path_changed)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.name = QLineEdit(self)
        self.name.setMaxLength(MAX_NAME)
        self.name.setPlaceholderText("From the file name")
        self.name.textEdited.connect(self._name_edited)
        self._name_typed = False

        hint = QLabel(HINT, self)
        hint.setWordWrap(True)
        hint.setProperty("role", "muted")
        self.error = QLabel(self)
        self.error.setObjectName("workflowImportError")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()

        self.buttons = QDialogButtonBox(self)
        self.import_button = self.buttons.addButton("Import",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.import_now)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("File", row)
        form.addRow("Name", self.name)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())
        self._on_path_changed("")

    def browse(self) -> QFileDialog:
        """A non-modal file dialog (a nested exec() loop would block the async loop)."""
        start = str(Path(self.path.text()).parent) if self.path.text() else str(Path.home())
        dialog = QFileDialog(self, "Choose a ComfyUI API workflow", start, FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.path.setText)
        dialog.finished.connect(dialog.deleteLater)
        self._file_dialog = dialog
        dialog.open()
        return dialog

    def _name_edited(self, text: str) -> None:
        self._name_typed = bool(text)

    def _on_path_changed(self, text: str) -> None:
        self.import_button.setEnabled(bool(text.strip()))
        self.error.hide()
        if not self._name_typed:
            self.name.setText(Path(text.strip()).stem if text.strip() else "")

    def show_error(self, text: str) -> None:
        self.error.setText(f"Not imported: {text}")
        self.error.show()

    def import_now(self) -> ImportedWorkflow | None:
        text = self.path.text().strip()
        if not text:
            self.show_error("choose a workflow file")
            return None
        try:
            # A small local file (capped at 2 MB): read and checked here, on the GUI thread,
            # because registering the models must happen on it anyway.
            workflow = self.session.studio.import_workflow(Path(text).expanduser(),
                                                           self.name.text() or None)
        except WorkflowImportError as exc:
            self.show_error(str(exc))
            return None
        except OSError as exc:  # saving failed: disk full, read-only config folder
            self.show_error(f"it could not be saved ({exc.strerror or exc})")
            return None
        self.result_workflow = workflow
        self.session.reload_catalog()
        providers = " and ".join(self._provider_name(pid) for pid, _ in workflow.models)
        self.session.toast.emit("success", f"Imported “{workflow.name}”: now a model of "
                                           f"{providers}")
        self.imported.emit(workflow)
        self.accept()
        return workflow

    def _provider_name(self, provider_id: str) -> str:
        entry = self.session.entry(provider_id)
        return entry.name if entry else provider_id
