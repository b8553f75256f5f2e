"""A new compare group: one brief (prompt, negative, seed, aspect, duration), the models
to send it to, and a preview of what each model will get before anything is sent."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.compare.adapt import Brief, Target
from studio.core.compare.groups import CompareGroups
from studio.core.requests import RequestError
from studio.ui.catalog import ModelPicker
from studio.ui.compare.delegate import MARKS
from studio.ui.session import Session
from studio.ui.widgets import SPACING, FlowLayout, error_color, format_usd, status_color

ASPECTS = ["Model default", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "4:5", "21:9"]


class BriefPanel(QWidget):
    startRequested = Signal(object, list)  # Brief, list[Target]

    def __init__(self, session: Session, groups: CompareGroups,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.groups = groups
        self.overrides: dict[tuple[str, str], dict[str, Any]] = {}
        self.images: list[str] = []
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.preview)
        self.prompt = QPlainTextEdit(self)
        self.prompt.setObjectName("briefPrompt")
        self.prompt.setAccessibleName("Prompt for every model")
        self.prompt.setPlaceholderText("One prompt for every model…")
        self.prompt.setFixedHeight(72)
        self.negative = QLineEdit(self)
        self.negative.setAccessibleName("Negative prompt")
        self.negative.setPlaceholderText("Optional; dropped where a model has none")
        self.seed = QLineEdit(self)
        self.seed.setPlaceholderText("random")
        self.seed.setMinimumWidth(90)
        self.seed.setValidator(QIntValidator(0, 2_147_483_647, self))
        self.aspect = QComboBox(self)
        self.aspect.setObjectName("briefAspect")
        self.aspect.setEditable(True)
        self.aspect.addItems(ASPECTS)
        self.duration = QDoubleSpinBox(self)
        self.duration.setRange(0, 60)
        self.duration.setDecimals(1)
        self.duration.setSuffix(" s")
        self.duration.setSpecialValueText("Model default")
        self.image_label = QLabel(self)
        self.image_label.setProperty("role", "muted")
        self.targets = ModelPicker(session, self, checkable=True, name="briefTargets")
        self.targets.view.setAccessibleName("Models to compare")
        self.plan_view = QTreeWidget(self)
        self.plan_view.setObjectName("briefPreview")
        self.plan_view.setAccessibleName("What each model gets")
        self.plan_view.setHeaderLabels(["What each model gets", "Price"])
        self.plan_view.setRootIsDecorated(False)
        self.plan_view.setWordWrap(True)
        header = self.plan_view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.status = QLabel(self)
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.start_button = QPushButton("Start compare", self)
        self.start_button.setObjectName("startCompare")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)

        form = QFormLayout()
        form.setSpacing(SPACING)
        form.addRow("Prompt", self.prompt)
        form.addRow("Negative", self.negative)
        shape = FlowLayout(spacing=SPACING)  # wraps in a narrow window
        for label, w in (("Seed", self.seed), ("Aspect", self.aspect),
                         ("Duration", self.duration)):
            pair = QWidget(self)
            pair_box = QHBoxLayout(pair)
            pair_box.setContentsMargins(0, 0, 0, 0)
            pair_box.setSpacing(SPACING // 2)
            name = QLabel(label, pair)
            name.setBuddy(w)
            w.setAccessibleName(label)
            pair_box.addWidget(name)
            pair_box.addWidget(w)
            shape.addWidget(pair)
        form.addRow(shape)
        form.addRow("Input images", self.image_label)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.targets)
        split.addWidget(self.plan_view)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.start_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, SPACING, 0, 0)
        box.setSpacing(SPACING)
        box.addLayout(form)
        box.addWidget(split, 1)
        box.addLayout(footer)
        self.prompt.textChanged.connect(self._timer.start)
        for edit in (self.negative, self.seed, self.aspect.lineEdit()):
            edit.textChanged.connect(self._timer.start)
        self.duration.valueChanged.connect(self._timer.start)
        self.targets.targetsChanged.connect(self._timer.start)
        self._show_images()
        self.preview()

    def fill(self, payload: dict[str, Any]) -> None:
        """Start from Compose: its prompt, seed, images and checked models."""
        self.prompt.setPlainText(payload.get("prompt") or "")
        self.negative.setText(payload.get("negative_prompt") or "")
        seed = payload.get("seed")
        self.seed.setText("" if seed is None else str(seed))
        self.images = list(payload.get("input_images") or [])
        self.overrides = {}
        self.targets.clear_checked()
        for t in payload.get("targets") or []:
            self.targets.set_checked((t["provider"], t["model"]))
            self.overrides[(t["provider"], t["model"])] = dict(t.get("params") or {})
        self._show_images()
        self.preview()

    def _show_images(self) -> None:
        n = len(self.images)
        self.image_label.setText("none (text to image/video)" if not n else
                                 f"{n} from Compose; models that take none drop them")

    def brief(self) -> Brief:
        aspect = self.aspect.currentText().strip()
        return Brief(prompt=self.prompt.toPlainText().strip(),
                     negative_prompt=self.negative.text().strip() or None,
                     seed=int(self.seed.text()) if self.seed.text().strip() else None,
                     aspect=None if aspect in ("", ASPECTS[0]) else aspect,
                     duration=self.duration.value() or None, input_images=self.images)

    def chosen(self) -> list[Target]:
        return [Target(provider=p, model=m, params=self.overrides.get((p, m), {}))
                for p, m in self.targets.checked()]

    def preview(self) -> bool:
        """Plan each checked model on its own so every problem shows next to its model."""
        self._timer.stop()
        self.plan_view.clear()
        targets = self.chosen()
        try:
            brief = self.brief()
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "brief"
            return self._ready(False, f"{where}: {first['msg']}" if self.prompt.toPlainText()
                               .strip() else "Write a prompt, then check models to compare.")
        ok = 0
        for target in targets:
            item = QTreeWidgetItem(self.plan_view, [self._title(target), ""])
            item.setFirstColumnSpanned(False)
            try:
                [adapted] = self.groups.plan(brief, [target], load_images=False)
            except RequestError as exc:
                for e in exc.errors:
                    child = QTreeWidgetItem(item, [f"✕ {e.message}"])
                    child.setForeground(0, error_color())
                item.setExpanded(True)
                continue
            ok += 1
            price = self.session.studio.estimate(adapted.request).as_dict()
            item.setText(1, format_usd(price))
            for a in adapted.adaptations:
                mark, key = MARKS.get(a.outcome, ("✓", "succeeded"))
                child = QTreeWidgetItem(item, [f"{mark} {a.note}"])
                child.setForeground(0, status_color(key))
                child.setToolTip(0, a.note)
            if target.params:
                shown = ", ".join(f"{k}={v}" for k, v in target.params.items())
                QTreeWidgetItem(item, [f"✎ from Compose: {shown}"])
            item.setExpanded(True)
        if not targets:
            return self._ready(False, "Check two or more models to compare.")
        bad = len(targets) - ok
        return self._ready(bad == 0, f"{len(targets)} model{'s' if len(targets) != 1 else ''}"
                           + (f"; fix {bad} marked above" if bad else
                              "; each runs live or as a dry-run, as its provider is set"))

    def _title(self, target: Target) -> str:
        entry = self.session.entry(target.provider)
        return (f"{entry.name if entry else target.provider} · "
                f"{self.session.model_name(target.provider, target.model)}")

    def _ready(self, ok: bool, text: str) -> bool:
        self.status.setText(text)
        self.start_button.setEnabled(ok)
        return ok

    def start(self) -> None:
        if self.preview():
            self.startRequested.emit(self.brief(), self.chosen())
