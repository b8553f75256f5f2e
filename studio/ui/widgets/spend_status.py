"""The status bar's spend: what today has cost (spent plus jobs on their way) and what is
left of the tightest daily budget; the tooltip lists every budget, today and this month.
Refreshed from store events and settings changes, at most a few times a second."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from studio.core.budget import money
from studio.core.spend_status import BudgetStatus, Figures
from studio.ui.session import Session

# Events that can change what was spent: a job written, accepted, finished, re-priced.
_KINDS = {"job_created", "status_changed", "job_updated"}


class SpendStatus(QLabel):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spendStatus")
        self.session = session
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.refresh)
        session.storeEvent.connect(self._on_event)
        session.settingsChanged.connect(self._timer.start)
        self.refresh()

    def _on_event(self, event) -> None:
        if event.kind in _KINDS and not self._timer.isActive():
            self._timer.start()

    def refresh(self) -> None:
        if self.session.closed:
            return
        status = self.session.studio.budget.status()
        self.setText(status.today_text())
        self.setToolTip(_tooltip(status))
        tightest = status.tightest_today()
        low = tightest is not None and (tightest[1].left_usd or 0.0) <= 0
        self.setProperty("role", "error" if low else "")
        self.style().unpolish(self)
        self.style().polish(self)


def _tooltip(status: BudgetStatus) -> str:
    lines = ["Spent (and on its way), local time:"]
    rows = [("Overall", status.overall), *status.providers.items()]
    for who, figures in rows:
        lines.append(f"{who}: today {_figure(figures['day'])}; "
                     f"this month {_figure(figures['month'])}")
    if status.pods.pods:
        lines.append(status.pods_text() + " (billed by the hour, not part of the budgets)")
    lines.append(f"Live actions above {money(status.confirm_above_usd)} ask first. "
                 "Budgets: Settings › Budgets.")
    return "\n".join(lines)


def _figure(f: Figures) -> str:
    used = money(f.spent_usd + f.pending_usd)
    if f.budget_usd is None:
        return used
    return f"{used} of {money(f.budget_usd)} ({money(f.left_usd or 0.0)} left)"
