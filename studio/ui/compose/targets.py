"""Where a prompt goes: the checkable provider/model list, and one panel per checked
target with its params form, preset menu, cost and errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.catalog import ModelEntry, ProviderEntry
from studio.providers.base import ModelInfo
from studio.ui.compose.presets import PresetStore
from studio.ui.widgets import (
    BADGES,
    SPACING,
    BadgeDelegate,
    ExpansionMemory,
    ParamForm,
    format_usd,
    status_color,
    status_icon,
    status_label,
)

if TYPE_CHECKING:
    from studio.ui.session import Session

Target = tuple[str, str]  # (provider id, model id)
TARGET = Qt.ItemDataRole.UserRole + 2


class TargetList(QTreeWidget):
    """Providers with their models as checkable rows: name, status, price."""

    targetsChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("targetList")
        self.setColumnCount(2)
        self.setHeaderLabels(["Model", "Price"])
        self.setItemDelegateForColumn(0, BadgeDelegate(self))
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.itemChanged.connect(self._on_item_changed)
        self._expansion = ExpansionMemory(self, TARGET)

    def set_entries(self, entries: list[ProviderEntry]) -> None:
        checked = set(self.checked())
        self.blockSignals(True)
        self.clear()
        for entry in entries:
            top = QTreeWidgetItem(self, [entry.name, ""])
            top.setData(0, TARGET, entry.id)
            top.setData(0, BADGES, [entry.status, *(["sandbox"] if entry.sandbox else [])])
            top.setToolTip(0, entry.reason)
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            for model in entry.models:
                self._model_item(top, entry, model, (entry.id, model.id) in checked)
        self.blockSignals(False)
        self._expansion.restore(sum(len(e.models) for e in entries) <= 30)
        self.targetsChanged.emit()

    def _model_item(self, top: QTreeWidgetItem, entry: ProviderEntry, model: ModelEntry,
                    checked: bool) -> None:
        item = QTreeWidgetItem(top, [model.name, format_usd(model.price)])
        item.setData(0, TARGET, (entry.id, model.id))
        if model.status != entry.status:  # the provider row already says it otherwise
            item.setData(0, BADGES, [model.status])
        item.setIcon(0, status_icon(model.status))
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        tip = (f"<b>{model.name}</b> <code>{model.id}</code><br>{model.description}<br>"
               f"Modes: {', '.join(model.modes)}<br>Status: {status_label(model.status)} — "
               f"{model.reason}<br>Price: {model.price.get('basis') or '—'}")
        for col in range(2):
            item.setToolTip(col, tip)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column == 0 and item.parent() is not None:
            self.targetsChanged.emit()

    def _model_items(self) -> list[QTreeWidgetItem]:
        out = []
        for i in range(self.topLevelItemCount()):
            top = self.topLevelItem(i)
            out.extend(top.child(j) for j in range(top.childCount()))
        return out

    def checked(self) -> list[Target]:
        return [tuple(item.data(0, TARGET)) for item in self._model_items()
                if item.checkState(0) == Qt.CheckState.Checked]

    def set_checked(self, target: Target, on: bool = True) -> bool:
        for item in self._model_items():
            if tuple(item.data(0, TARGET)) == tuple(target):
                item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                if on:
                    item.parent().setExpanded(True)
                return True
        return False


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
        menu.addAction("Reset to the model's defaults", self._reset)
        more = QToolButton(self)
        more.setText("Presets")
        more.setToolTip("Save, delete or reset presets")
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
        box = QVBoxLayout(self)
        box.setContentsMargins(SPACING * 2, 12, SPACING * 2, SPACING * 2)
        box.setSpacing(SPACING)
        box.addLayout(head)
        box.addWidget(self.errors)
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

    def has_errors(self) -> bool:
        return bool(self.form.errors()) or not self.errors.isHidden()

    # -- presets ------------------------------------------------------------------------

    def reload_presets(self, select: str | None = None) -> None:
        names = self.presets.names(*self.target)
        self.preset_box.blockSignals(True)
        self.preset_box.clear()
        self.preset_box.addItem("(none)" if names else "No presets yet", None)
        for name in names:
            self.preset_box.addItem(name, name)
        if select:
            self.preset_box.setCurrentIndex(max(0, self.preset_box.findData(select)))
        self.preset_box.blockSignals(False)
        self.delete_preset_action.setEnabled(bool(names))

    def _load_preset(self, index: int) -> None:
        name = self.preset_box.itemData(index)
        if name:
            params = self.presets.get(*self.target, name)
            if params is not None:
                self.form.reset()
                self.form.set_values(params)

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
