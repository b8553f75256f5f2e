"""Asking before money leaves: a live action estimated above Settings' per-action amount
(budgets.confirm_above_usd, $2 by default), or one with a job nobody can price, shows its
itemised estimate and what each budget it touches has left, and is sent only on Send.

Keyboard: Enter sends, Esc cancels. "Don't ask again below $X for this session" is
remembered only when ticked, for this run of the app. Opened with open(), never exec():
a nested event loop inside the qasync loop fails.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.budget import money
from studio.core.requests import RequestError
from studio.core.spend_quote import Quote
from studio.providers.base import RenderRequest
from studio.ui.session import Session
from studio.ui.widgets.theme import SPACING, error_color, status_color


class SpendConfirmDialog(QDialog):
    def __init__(self, quote: Quote, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spendConfirm")
        self.setWindowTitle("Confirm spend")
        self.quote = quote
        live = quote.live
        n = len(live)
        unpriced = f" and {len(quote.unpriced)} with no known price" if quote.unpriced else ""
        self.heading = QLabel(f"Send {n} live job{'s' if n != 1 else ''} for ≈ "
                              f"{money(quote.live_usd)}{unpriced}?", self)
        self.heading.setObjectName("spendHeading")
        self.heading.setProperty("role", "heading")
        self.items = QTreeWidget(self)
        self.items.setObjectName("spendItems")
        self.items.setRootIsDecorated(False)
        self.items.setHeaderLabels(["Job", "Estimate"])
        self.items.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.items.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.items.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for item in quote.items:
            if item.live:
                cost = (money(item.counted_usd) if item.counted_usd is not None
                        else "no known price")
                if item.usd is None and item.counted_usd is not None:
                    cost += " (highest seen)"
                elif not item.exact and item.usd is not None:
                    cost = "≈ " + cost
            else:
                cost = "dry-run: nothing sent"
            row = QTreeWidgetItem(self.items, [item.name, cost])
            row.setToolTip(0, item.basis or item.reason)
            row.setToolTip(1, item.basis or item.reason)
            if not item.live:
                row.setForeground(0, status_color("dry_run"))
                row.setForeground(1, status_color("dry_run"))
        self.budgets = QLabel(self._budget_text(), self)
        self.budgets.setObjectName("spendBudgets")
        self.budgets.setWordWrap(True)
        self.budgets.setTextFormat(Qt.TextFormat.RichText)
        self.remember = QCheckBox("Don't ask again below", self)
        self.remember.setObjectName("spendRemember")
        self.allow = QDoubleSpinBox(self)
        self.allow.setObjectName("spendAllow")
        self.allow.setPrefix("$")
        self.allow.setRange(0.0, 100_000.0)
        self.allow.setDecimals(2)
        self.allow.setValue(float(max(math.ceil(quote.live_usd), 1)))
        self.allow.setEnabled(False)
        self.remember.toggled.connect(self.allow.setEnabled)
        remember_row = QHBoxLayout()
        remember_row.setSpacing(SPACING)
        remember_row.addWidget(self.remember)
        remember_row.addWidget(self.allow)
        remember_row.addWidget(QLabel("for this session", self))
        remember_row.addStretch(1)
        self.buttons = QDialogButtonBox(self)
        self.send_button = self.buttons.addButton("Send", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button.setObjectName("spendSend")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.send_button.setDefault(True)  # Enter sends; Esc (QDialog) cancels
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING * 2)
        box.setSpacing(SPACING * 2)
        box.addWidget(self.heading)
        box.addWidget(self.items, 1)
        box.addWidget(self.budgets)
        box.addLayout(remember_row)
        box.addWidget(self.buttons)
        self.send_button.setFocus()
        self.resize(560, 360)

    def _budget_text(self) -> str:
        quote = self.quote
        lines = []
        for line in quote.lines:
            after = line.after_usd
            text = (f"{html.escape(line.budget.label)}: {money(line.left_usd)} "
                    f"left of {money(line.budget.limit_usd)}, "
                    + (f"{money(after)} after this" if after >= 0 else "crossed by this"))
            lines.append(text)
        if not lines:
            lines.append("No spend budget applies to these jobs (Settings › Budgets).")
        if quote.refusal is not None:
            color = error_color().name()
            lines.append(f"<span style='color:{color}'>{html.escape(quote.refusal.reason)} "
                         "The studio will record it as refused.</span>")
        return "<br>".join(lines)

    def allowance(self) -> float | None:
        """The amount to stop asking below, when ticked."""
        return self.allow.value() if self.remember.isChecked() else None


class SpendGate(QObject):
    """One per session: asks when an action needs it, and remembers the artist's "don't
    ask again below $X" for the rest of the session."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.setObjectName("spendGate")
        self.session = session
        self.allow_below: float | None = None
        self.dialog: SpendConfirmDialog | None = None

    @classmethod
    def of(cls, session: Session) -> SpendGate:
        found = session.findChild(SpendGate, "spendGate")
        return found if isinstance(found, SpendGate) else cls(session)

    def ask(self, parent: QWidget, requests: Sequence[RenderRequest],
            proceed: Callable[[], Any]) -> SpendConfirmDialog | None:
        """Call `proceed` at once when no confirmation is needed, else after Send. Returns
        the dialog when it asks."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        try:
            quote = self.session.studio.budget.quote(requests)
        except (RequestError, ValueError, KeyError):
            proceed()  # the submit names what is wrong, next to the field
            return None
        if not quote.needs_confirmation(self.allow_below):
            proceed()
            return None
        dialog = SpendConfirmDialog(quote, parent)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._confirmed(dialog, proceed))
        dialog.rejected.connect(
            lambda: self.session.toast.emit("info", "Cancelled: nothing was sent."))
        dialog.finished.connect(self._closed)
        dialog.open()
        return dialog

    def _confirmed(self, dialog: SpendConfirmDialog, proceed: Callable[[], Any]) -> None:
        allowance = dialog.allowance()
        if allowance is not None:
            self.allow_below = allowance
        proceed()

    def _closed(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()
