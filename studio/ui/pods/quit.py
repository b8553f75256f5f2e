"""The one quit question: live jobs and running pods together (never two dialogs)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget


def describe_pods(pods: list[dict[str, Any]]) -> str:
    per_hour = sum(p.get("usd_per_hour") or 0.0 for p in pods)
    names = ", ".join(p["name"] for p in pods[:4]) + ("…" if len(pods) > 4 else "")
    n = len(pods)
    return (f"{n} RunPod pod{'s are' if n != 1 else ' is'} running ({names}): left running "
            f"{'they cost' if n != 1 else 'it costs'} ${per_hour:.2f} per hour until stopped "
            "(the idle timer only works while Provider Studio is open).")


def quit_question(parent: QWidget, jobs: int, pods: list[dict[str, Any]]
                  ) -> tuple[QMessageBox, QAbstractButton, QAbstractButton | None]:
    """(the box, its "quit and leave running" button, its "stop pods and quit" button)."""
    parts = []
    if jobs:
        parts.append(
            f"{jobs} job{'s are' if jobs != 1 else ' is'} still running. "
            f"{'They keep' if jobs != 1 else 'It keeps'} running at the provider (and "
            f"{'are' if jobs != 1 else 'is'} charged there); Provider Studio picks "
            f"{'them' if jobs != 1 else 'it'} up again and downloads the results the next time "
            "it starts (or run studio-cli resume).")
    if pods:
        parts.append(describe_pods(pods))
    title = "Quit with jobs running?" if not pods else (
        "Quit with pods running?" if not jobs else "Quit with jobs and pods running?")
    box = QMessageBox(QMessageBox.Icon.Question, title, "\n\n".join(parts),
                      QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("quitConfirm")
    stop = None
    if pods:
        stop = box.addButton(f"Stop pod{'s' if len(pods) != 1 else ''} and quit",
                             QMessageBox.ButtonRole.DestructiveRole)
        stop.setObjectName("stopPodsAndQuit")
    leave = box.addButton("Leave running and quit" if pods else "Quit",
                          QMessageBox.ButtonRole.AcceptRole)
    leave.setObjectName("quitLeaveRunning")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box, leave, stop
