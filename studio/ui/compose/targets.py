"""One panel per checked target (the checkable list is the catalog's ModelPicker): its
params form, preset menu, cost and errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.providers.base import ModelInfo
from studio.ui.compose.presets import PresetStore
from studio.ui.widgets import SPACING, ParamForm, status_color, status_label

if TYPE_CHECKING:
    from studio.ui.session import Session

Target = tuple[str, str]  # (provider id, model id)


class TargetPanel(QFrame):
    """Settings for one checked target: preset menu, params form, cost, errors."""

    changed = Signal()

    def __init__(self, provider_name: str, provider_id: str, model: ModelInfo,
                 presets: PresetStore, parent: QWidget | None = None, *,
                 session: Session | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.setProperty("role", "card")
        self.provider_id = provider_id
        self.model = model
        self.presets = presets
        self._dialog: QInputDialog | None = None
        self.setObjectName(f"panel:{provider_id}/{model.id}")
        title = QLabel(f"{provider_name} · {model.name}", self)
        title.setProperty("role", "heading")
        title.setToolTip(f"{model.id}\n{model.description}")
        title.setWordWrap(True)
        self.status = QLabel(self)
        self.cost = QLabel(self)
        self.cost.setObjectName("cost")
        self.cost.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        head = QHBoxLayout()
        head.setSpacing(SPACING)
        head.addWidget(title, 1)
        head.addWidget(self.status)
        head.addWidget(self.cost)

        self.preset_box = QComboBox(self)
        self.preset_box.setObjectName("presetBox")
        self.preset_box.setMinimumContentsLength(8)
        self.preset_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset_box.setToolTip("Load a saved preset for this model")
        self.preset_box.activated.connect(self._load_preset)
        menu = QMenu(self)
        menu.addAction("Save as preset…", self.ask_preset_name)
        self.delete_preset_action = menu.addAction("Delete this preset", self._delete_preset)
        menu.addSeparator()
        menu.addAction("Export presets…", self.ask_export)
        menu.addAction("Import presets…", self.ask_import)
        menu.addSeparator()
        menu.addAction("Reset to the model's defaults", self._reset)
        more = QToolButton(self)
        more.setText("Presets")
        more.setToolTip("Save, delete, export, import or reset presets")
        more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        more.setMenu(menu)
        presets_row = QHBoxLayout()
        presets_row.setSpacing(SPACING)
        presets_row.addWidget(QLabel("Preset", self))
        presets_row.addWidget(self.preset_box, 1)
        presets_row.addWidget(more)

        self.form = ParamForm(model.params, self)
        self.form.changed.connect(self.changed)
        self.errors = QLabel(self)
        self.errors.setObjectName("panelErrors")
        self.errors.setProperty("role", "error")
        self.errors.setWordWrap(True)
        self.errors.hide()
        self.input_notes = QLabel(self)  # the chosen inputs this model cannot take, and why
        self.input_notes.setObjectName("panelInputNotes")
        self.input_notes.setProperty("role", "muted")
        self.input_notes.setWordWrap(True)
        self.input_notes.hide()
        box = QVBoxLayout(self)
        box.setContentsMargins(SPACING * 2, 12, SPACING * 2, SPACING * 2)
        box.setSpacing(SPACING)
        box.addLayout(head)
        box.addWidget(self.errors)
        box.addWidget(self.input_notes)
        box.addLayout(presets_row)
        box.addWidget(self.form)
        self.reload_presets()
        if session is not None:
            self._add_server_lists(session)

    # -- values the server offers (ComfyUI checkpoints) ---------------------------------

    def _add_server_lists(self, session: Session) -> None:
        provider = session.studio.providers[self.provider_id]
        for name in provider.server_choice_fields(self.model.id):
            editor = self.form.fields.get(name)
            if editor is None or not isinstance(editor.editor, QLineEdit):
                continue
            button = QToolButton(editor.frame)
            button.setObjectName(f"list_{name}")
            button.setText("List…")
            button.setToolTip("Ask the server which values it has, and pick one")
            editor.frame.layout().addWidget(button)
            button.clicked.connect(
                lambda _=False, n=name, e=editor.editor, b=button: self.list_choices(n, e, b))

    def list_choices(self, name: str, line: QLineEdit, button: QToolButton) -> None:
        assert self._session is not None
        session = self._session
        button.setEnabled(False)

        async def fetch() -> None:
            try:
                choices = await session.studio.server_choices(self.provider_id, self.model.id,
                                                              name)
            finally:
                button.setEnabled(True)
            completer = QCompleter(choices, line)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            line.setCompleter(completer)
            line.setToolTip(f"{len(choices)} value(s) on the server: " + ", ".join(choices[:8]))
            if choices and line.isVisible():
                completer.complete()

        session.spawn(fetch(), what=f"Listing {name} from the server")

    @property
    def target(self) -> Target:
        return (self.provider_id, self.model.id)

    def set_status(self, status: str, reason: str) -> None:
        color = status_color(status).name()
        self.status.setText(f"<span style='color:{color}'>● {status_label(status)}</span>")
        self.status.setToolTip(reason)

    def set_cost(self, text: str, tooltip: str = "") -> None:
        self.cost.setText(text)
        self.cost.setToolTip(tooltip)

    def show_errors(self, field_errors: dict[str, str], other: list[str]) -> None:
        self.form.set_errors(field_errors)
        self.errors.setText("\n".join(other))
        self.errors.setVisible(bool(other))

    def set_input_notes(self, notes: list[str]) -> None:
        """Say which chosen inputs this model cannot take (they are left out of its job)."""
        unique = list(dict.fromkeys(notes))
        self.input_notes.setText("\n".join(f"⚠ Not sent: {n}" for n in unique))
        self.input_notes.setVisible(bool(unique))

    def has_errors(self) -> bool:
        return bool(self.form.errors()) or not self.errors.isHidden()

    # -- presets ------------------------------------------------------------------------

    def reload_presets(self, select: str | None = None) -> None:
        presets = self.presets.presets(*self.target)
        self.preset_box.blockSignals(True)
        self.preset_box.clear()
        self.preset_box.addItem("(none)" if presets else "No presets yet", None)
        for preset in presets:
            shipped = preset.source == "shipped"
            self.preset_box.addItem(f"{preset.name} (shipped)" if shipped else preset.name,
                                    preset.name)
            tip = preset.description or ", ".join(f"{k}={v}" for k, v in preset.params.items())
            self.preset_box.setItemData(self.preset_box.count() - 1, tip,
                                        Qt.ItemDataRole.ToolTipRole)
        if select:
            self.preset_box.setCurrentIndex(max(0, self.preset_box.findData(select)))
        self.preset_box.blockSignals(False)
        self._sync_delete()

    def _sync_delete(self) -> None:
        name = self.preset_box.currentData()
        self.delete_preset_action.setEnabled(
            bool(name) and not self.presets.is_shipped(*self.target, name))

    def _load_preset(self, index: int) -> None:
        name = self.preset_box.itemData(index)
        self._sync_delete()
        if name:
            self.apply_preset(name)

    def apply_preset(self, name: str) -> bool:
        """Fill the form with a preset (the model's defaults for what it leaves out)."""
        params = self.presets.get(*self.target, name)
        if params is None:
            return False
        self.form.reset()
        self.form.set_values({k: v for k, v in params.items() if k in self.form.fields})
        self.preset_box.setCurrentIndex(max(0, self.preset_box.findData(name)))
        return True

    def ask_export(self) -> None:
        dialog = QFileDialog(self, "Export presets", f"{self.model.name} presets.json",
                             "Presets (*.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.export_presets)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def export_presets(self, path: str) -> int:
        """This model's presets (shipped and yours) as one JSON file."""
        from pathlib import Path

        count = self.presets.export_to(Path(path), [self.target], shipped=True)
        if self._session is not None:
            self._session.toast.emit("info", f"Exported {count} preset(s) to {path}")
        return count

    def ask_import(self) -> None:
        dialog = QFileDialog(self, "Import presets", "", "Presets (*.json)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.import_presets)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def import_presets(self, path: str) -> None:
        from pathlib import Path

        from studio.core.presets import PresetError

        try:
            result = self.presets.import_document(Path(path))
        except PresetError as exc:
            if self._session is not None:
                self._session.toast.emit("error", str(exc))
            return
        self.reload_presets()
        if self._session is not None:
            self._session.toast.emit("info", f"Imported {len(result.added)} new and "
                                     f"{len(result.replaced)} replaced preset(s)")

    def ask_preset_name(self) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Save preset")
        dialog.setLabelText(f"Name for these {self.model.name} settings:")
        dialog.textValueSelected.connect(self.save_preset)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()

    def save_preset(self, name: str) -> None:
        if name.strip():
            self.presets.save(*self.target, name, self.form.values())
            self.reload_presets(select=name.strip())

    def _delete_preset(self) -> None:
        name = self.preset_box.currentData()
        if name and self.presets.delete(*self.target, name):
            self.reload_presets()

    def _reset(self) -> None:
        self.form.reset()
        self.preset_box.setCurrentIndex(0)

    def values(self) -> dict[str, Any]:
        return self.form.values()
