"""Settings > Budgets: the per-action amount above which a live action asks first, and
spend limits per day and per month, overall and per provider account, with what each has
spent so far. Empty means no limit. Saved with the dialog."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from studio.core.budget import PERIODS, BudgetLimit, Period, money
from studio.core.declarations import key_owners
from studio.ui.session import Session
from studio.ui.widgets import SPACING

_FIELD: dict[Period, str] = {"day": "daily_usd", "month": "monthly_usd"}
INTRO = ("A live job that would cross a budget is not sent: it is recorded as refused, with "
         "the budget and what is left. A day is this computer's local day, a month its "
         "calendar month. A provider's budget covers every job paid from its account (Pika "
         "runs on fal's). Empty means no limit.")


class BudgetsTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        studio = session.studio
        settings = studio.settings.budgets
        status = studio.budget.status()
        intro = QLabel(INTRO, self)
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        self.confirm = QDoubleSpinBox(self)
        self.confirm.setObjectName("budgetConfirm")
        self.confirm.setAccessibleName("Ask before a live action above")
        self.confirm.setPrefix("$")
        self.confirm.setRange(0.0, 100_000.0)
        self.confirm.setDecimals(2)
        self.confirm.setValue(settings.confirm_above_usd)
        self.confirm.setToolTip("A live action (one Generate, a compare group) estimated "
                                "above this shows its itemised cost and asks first")
        ask = QFormLayout()
        ask.addRow("Ask before a live action above", self.confirm)

        limits = QGroupBox("Spend limits (USD)", self)
        grid = QGridLayout(limits)
        grid.setHorizontalSpacing(SPACING * 2)
        grid.setVerticalSpacing(SPACING)
        for column, text in enumerate(("", "Per day", "Per month", "Spent today · month")):
            grid.addWidget(QLabel(f"<b>{text}</b>", limits), 0, column)
        self.fields: dict[tuple[str, Period], QLineEdit] = {}
        self.names: dict[str, str] = {"overall": "Overall"}
        rows: list[tuple[str, BudgetLimit]] = [("overall", settings.overall)]
        for pid in key_owners(studio.providers):
            self.names[pid] = studio.providers[pid].info.name
            rows.append((pid, settings.providers.get(pid, BudgetLimit())))
        # Budgets of providers not shown here (a plug-in removed since) are kept as they are.
        self._hidden = {p: v.model_dump() for p, v in settings.providers.items()
                        if p not in self.names}
        for r, (who, limit) in enumerate(rows, start=1):
            grid.addWidget(QLabel(self.names[who], limits), r, 0)
            for c, period in enumerate(PERIODS, start=1):
                edit = QLineEdit(limits)
                edit.setObjectName(f"budget:{who}:{period}")
                edit.setAccessibleName(f"{self.names[who]} budget per {period} (USD)")
                edit.setPlaceholderText("no limit")
                validator = QDoubleValidator(0.0, 1e9, 2, edit)
                validator.setNotation(QDoubleValidator.Notation.StandardNotation)
                edit.setValidator(validator)
                value = limit.of(period)
                edit.setText("" if value is None else f"{value:g}")
                grid.addWidget(edit, r, c)
                self.fields[(who, period)] = edit
            figures = status.overall if who == "overall" else status.providers.get(who)
            spent = " · ".join(money(0.0) if figures is None else money(
                figures[p].spent_usd + figures[p].pending_usd) for p in PERIODS)
            grid.addWidget(QLabel(spent, limits), r, 3)
        box = QVBoxLayout(self)
        box.setSpacing(SPACING * 2)
        box.addWidget(intro)
        box.addLayout(ask)
        box.addWidget(limits)
        box.addStretch(1)

    def _value(self, who: str, period: Period) -> float | None:
        text = self.fields[(who, period)].text().strip().replace(",", ".")
        if not text:
            return None
        value = float(text)
        if value < 0 or not math.isfinite(value):
            raise ValueError(text)
        return value

    def errors(self) -> dict[str, str]:
        """Fields that do not hold an amount: label -> why."""
        bad: dict[str, str] = {}
        for (who, period), _ in self.fields.items():
            try:
                self._value(who, period)
            except ValueError:
                bad[f"{self.names[who]} per {period}"] = "give an amount in USD, or leave it empty"
        return bad

    def values(self) -> dict[str, Any]:
        """The budgets as edited (BudgetSettings data); call errors() first."""
        def limit(who: str) -> dict[str, float | None]:
            return {_FIELD[p]: self._value(who, p) for p in PERIODS}

        providers = {who: limit(who) for who in self.names if who != "overall"}
        return {"confirm_above_usd": self.confirm.value(), "overall": limit("overall"),
                "providers": {**self._hidden, **providers}}
