"""The vote bar under a compare group: pick the best (one button per letter), a tie, all
bad, or save 1-5 ratings given with the number keys."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.ui.widgets import SPACING, FlowLayout

KEYS = "Keys: A, B… best · = tie · - all bad · 1-5 rate, Ctrl+S saves · Enter opens"


class VoteBar(QWidget):
    winnerChosen = Signal(str)  # job id
    tieChosen = Signal()
    allBadChosen = Signal()
    ratingsSaved = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voteBar")
        self.best = QLabel("Best:", self)
        self.best.setProperty("role", "heading")
        letters = QWidget(self)  # a widget of its own, so the flow below can wrap it whole
        self.letters = QHBoxLayout(letters)
        self.letters.setContentsMargins(0, 0, 0, 0)
        self.letters.setSpacing(SPACING // 2)
        self.buttons: dict[str, QPushButton] = {}
        self.tie_button = QPushButton("Tie", self)
        self.tie_button.setToolTip("They are about equally good (=)")
        self.tie_button.clicked.connect(self.tieChosen)
        self.bad_button = QPushButton("All bad", self)
        self.bad_button.setToolTip("None of these is usable (-)")
        self.bad_button.clicked.connect(self.allBadChosen)
        self.save_button = QPushButton("Save ratings", self)
        self.save_button.setToolTip("Store the 1-5 ratings given with the number keys (Ctrl+S)")
        self.save_button.clicked.connect(self.ratingsSaved)
        self.hint = QLabel(self)
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        row = FlowLayout(spacing=SPACING)  # wraps in a narrow window
        row.addWidget(self.best)
        row.addWidget(letters)
        row.addWidget(self.tie_button)
        row.addWidget(self.bad_button)
        row.addWidget(self.save_button)
        box = QVBoxLayout(self)  # the hint gets the whole width under the buttons
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(SPACING // 2)
        box.addLayout(row)
        box.addWidget(self.hint)

    def set_choices(self, choices: list[tuple[str, str]], pending: int, voted: bool) -> None:
        """`choices`: (letter, job id) of the outputs that can be voted on, in screen order."""
        for button in self.buttons.values():
            self.letters.removeWidget(button)
            button.deleteLater()
        self.buttons = {}
        for label, job_id in choices:
            button = QPushButton(label, self.letters.parentWidget())
            button.setObjectName(f"vote:{label}")
            button.setFixedWidth(36)
            button.setToolTip(f"{label} is the best (press {label})")
            button.setAccessibleName(f"{label} is the best")
            button.clicked.connect(lambda _=False, j=job_id: self.winnerChosen.emit(j))
            self.letters.addWidget(button)
            self.buttons[label] = button
        many = len(choices) >= 2
        self.tie_button.setEnabled(many)
        self.bad_button.setEnabled(bool(choices))
        self.save_button.setEnabled(pending > 0)
        self.save_button.setText(f"Save {pending} rating{'s' if pending != 1 else ''}"
                                 if pending else "Save ratings")
        if not choices:
            self.hint.setText("Votes open when outputs have arrived (dry-runs have none).")
        elif voted:
            self.hint.setText("Vote saved.")
        else:
            self.hint.setText(KEYS)
