"""A form drawn from a pydantic model: one editor per field, bounds from ge/le, defaults
filled, descriptions as tooltips, and an inline error line under each field."""

from __future__ import annotations

import json
import math
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.ui.widgets.theme import SPACING, repolish

_WIDE = 1_000_000_000


@dataclass(frozen=True)
class FieldSpec:
    """One field of a parameter form, read from the model's schema."""
    name: str
    kind: str  # int, float, bool, choice, text, json
    default: Any
    description: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    return [_spec(name, info) for name, info in model.model_fields.items()]


def _unwrap_optional(ann: Any) -> tuple[Any, bool]:
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(ann)) == 2:
            return args[0], True
    return ann, False


def _spec(name: str, info: FieldInfo) -> FieldSpec:
    ann, optional = _unwrap_optional(info.annotation)
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    desc = info.description or ""
    if optional and default is None and ann not in (str,):
        # "not set" must stay expressible: a JSON line where empty means None.
        return FieldSpec(name, "json", None, desc)
    if typing.get_origin(ann) is Literal:
        return FieldSpec(name, "choice", default, desc, choices=typing.get_args(ann))
    low = high = None
    for meta in info.metadata:
        if getattr(meta, "ge", None) is not None:
            low = meta.ge
        if getattr(meta, "gt", None) is not None:
            low = meta.gt + (1 if ann is int else 1e-6)
        if getattr(meta, "le", None) is not None:
            high = meta.le
        if getattr(meta, "lt", None) is not None:
            high = meta.lt - (1 if ann is int else 1e-6)
    if ann is bool:
        return FieldSpec(name, "bool", default, desc)
    if ann is int:
        return FieldSpec(name, "int", default, desc, low, high)
    if ann is float:
        return FieldSpec(name, "float", default, desc, low, high)
    if ann is str:
        return FieldSpec(name, "text", default, desc)
    return FieldSpec(name, "json", default, desc)


class FieldEditor(QWidget):
    """One field: the editor inside a frame that turns red, and its error line."""

    changed = Signal()

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._server_error = ""
        self.frame = QFrame(self)
        self.frame.setProperty("role", "field")
        row = QHBoxLayout(self.frame)
        row.setContentsMargins(1, 1, 1, 1)
        row.setSpacing(SPACING)
        self.editor = self._make_editor(spec, row)
        self.error = QLabel(self)
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.frame)
        box.addWidget(self.error)
        tip = spec.description
        if spec.low is not None and spec.high is not None and spec.kind in ("int", "float"):
            tip = f"{tip} ({_num(spec.low)} to {_num(spec.high)})".strip()
        self.setToolTip(tip)
        self.editor.setToolTip(tip)
        self.editor.setObjectName(f"param_{spec.name}")
        if spec.default is not None:
            self.set_value(spec.default)

    def _make_editor(self, spec: FieldSpec, row: QHBoxLayout) -> QWidget:
        if spec.kind == "bool":
            w: QWidget = QCheckBox(self)
            w.toggled.connect(self._emit)
        elif spec.kind == "choice":
            w = QComboBox(self)
            for choice in spec.choices:
                w.addItem(str(choice), choice)
            w.currentIndexChanged.connect(self._emit)
        elif spec.kind == "int":
            w = QSpinBox(self)
            w.setRange(int(spec.low if spec.low is not None else -_WIDE),
                       int(spec.high if spec.high is not None else _WIDE))
            self._watch_spin(w)
        elif spec.kind == "float":
            w = QDoubleSpinBox(self)
            low = spec.low if spec.low is not None else -_WIDE
            high = spec.high if spec.high is not None else _WIDE
            w.setDecimals(2)
            w.setRange(low, high)
            w.setSingleStep(0.05 if high - low <= 1 else 0.5)
            self._watch_spin(w)
            if spec.low is not None and spec.high is not None and low >= 0 and high <= 1:
                self.slider = QSlider(Qt.Orientation.Horizontal, self)
                self.slider.setRange(round(low * 100), round(high * 100))
                self.slider.setToolTip(spec.description)
                self.slider.setAccessibleName(f"{spec.label} slider")
                self.slider.valueChanged.connect(lambda v: w.setValue(v / 100))
                w.valueChanged.connect(self._sync_slider)
                row.addWidget(w)
                row.addWidget(self.slider, 1)
                return w
        else:
            w = QLineEdit(self)
            if spec.kind == "json":
                w.setPlaceholderText("not set (JSON value)")
            w.textChanged.connect(self._emit)
        row.addWidget(w, 1 if spec.kind in ("text", "choice", "json") else 0)
        if spec.kind in ("int", "float", "bool"):
            row.addStretch(1)
        return w

    def _watch_spin(self, w: QAbstractSpinBox) -> None:
        w.setKeyboardTracking(True)
        w.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        w.setFixedWidth(112)  # the same width for every number, whatever its range
        w.valueChanged.connect(self._emit)
        w.lineEdit().textEdited.connect(self._emit)

    def _sync_slider(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(value * 100))
        self.slider.blockSignals(False)

    def _emit(self, *_: Any) -> None:
        self._server_error = ""
        self._refresh()
        self.changed.emit()

    # -- values -------------------------------------------------------------------------

    def value(self) -> Any:
        w = self.editor
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QSpinBox | QDoubleSpinBox):
            return w.value()
        if self.spec.kind == "json":
            text = w.text().strip()
            try:
                return json.loads(text) if text else None
            except ValueError:
                return text  # local_error() reports it; validation rejects it too
        return w.text()

    def set_value(self, value: Any) -> bool:
        w = self.editor
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            index = next((i for i in range(w.count()) if str(w.itemData(i)) == str(value)), -1)
            if index < 0:
                return False
            w.setCurrentIndex(index)
        elif isinstance(w, QSpinBox):
            if not isinstance(value, int | float) or math.isnan(value):
                return False
            w.setValue(int(value))
        elif isinstance(w, QDoubleSpinBox):
            if not isinstance(value, int | float):
                return False
            w.setValue(float(value))
        elif self.spec.kind == "json":
            w.setText("" if value is None else json.dumps(value))
        else:
            w.setText("" if value is None else str(value))
        return True

    def local_error(self) -> str:
        """What is wrong with the text being typed, before it becomes a value."""
        w = self.editor
        if isinstance(w, QAbstractSpinBox) and not w.hasAcceptableInput():
            s = self.spec
            what = "a whole number" if s.kind == "int" else "a number"
            if s.low is not None and s.high is not None:
                return f"Enter {what} from {_num(s.low)} to {_num(s.high)}"
            return f"Enter {what}"
        if self.spec.kind == "json" and self.editor.text().strip():
            try:
                json.loads(self.editor.text())
            except ValueError:
                return "Not valid JSON"
        return ""

    def set_server_error(self, message: str) -> None:
        self._server_error = message
        self._refresh()

    def current_error(self) -> str:
        return self.local_error() or self._server_error

    def _refresh(self) -> None:
        message = self.current_error()
        self.error.setText(message)
        self.error.setVisible(bool(message))
        if bool(self.frame.property("invalid")) != bool(message):
            self.frame.setProperty("invalid", bool(message))
            repolish(self.frame)


class ParamForm(QWidget):
    """Editors for every field of a params model. `changed` fires on every edit."""

    changed = Signal()

    def __init__(self, model: type[BaseModel], parent: QWidget | None = None,
                 labels: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self.model = model
        labels = labels or {}
        self.fields: dict[str, FieldEditor] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(SPACING * 2)
        form.setVerticalSpacing(SPACING // 2)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for spec in field_specs(model):
            editor = FieldEditor(spec, self)
            editor.changed.connect(self.changed)
            label = QLabel(labels.get(spec.name, spec.label), self)
            label.setToolTip(spec.description)
            label.setBuddy(editor.editor)
            editor.editor.setAccessibleName(label.text())
            editor.editor.setAccessibleDescription(spec.description)
            form.addRow(label, editor)
            self.fields[spec.name] = editor

    def values(self) -> dict[str, Any]:
        return {name: f.value() for name, f in self.fields.items()}

    def set_values(self, values: dict[str, Any]) -> list[str]:
        """Apply known fields (a preset, a recalled request). Returns names not applied."""
        skipped = []
        for name, value in values.items():
            editor = self.fields.get(name)
            if editor is not None and value is None and editor.spec.kind == "json":
                editor.set_value(None)
                continue
            if editor is None or not editor.set_value(value):
                skipped.append(name)
        return skipped

    def reset(self) -> None:
        for f in self.fields.values():
            if f.spec.default is not None or f.spec.kind == "json":
                f.set_value(f.spec.default)

    def local_errors(self) -> dict[str, str]:
        return {n: e for n, f in self.fields.items() if (e := f.local_error())}

    def set_errors(self, errors: dict[str, str]) -> None:
        """Errors from validation (studio.estimate), shown under each field."""
        for name, f in self.fields.items():
            f.set_server_error(errors.get(name, ""))

    def errors(self) -> dict[str, str]:
        return {n: e for n, f in self.fields.items() if (e := f.current_error())}


def _num(value: float) -> str:
    return f"{value:g}"
