"""The pods' running cost in the status bar, shown only while a pod is up."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from studio.ui.session import Session


class PodsCostLabel(QLabel):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("podsCost")
        if session.studio.pods_in_use():
            self.update_cost()
        else:  # no pod has run: the pods' code loads when one does (costChanged)
            self.hide()

    def update_cost(self) -> None:
        cost = self.session.studio.pods.running_cost()
        self.setVisible(cost.pods > 0)
        so_far = cost.usd_so_far
        self.setText(f"Pods: {cost.pods} up · ${cost.usd_per_hour:.2f}/h · "
                     f"${so_far:.{2 if so_far >= 1 else 4}f} so far")
        self.setToolTip("RunPod pods bill per second while they are up; stop them in the "
                        "Pods dock")
