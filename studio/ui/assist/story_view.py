"""A *Write storyboard* run as the artist reads it: the draft (title, story, scenes), each
Critic round (score, strengths, improvements, approved or not), the Cohesion notes, and the
whole conversation between the Director, the Critic and the Cohesion pass."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from studio.core.assist.runs import AssistRun
from studio.ui.assist.run_dialog import label
from studio.ui.widgets import SPACING


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def rich(text: str, parent: QWidget, *, role: str | None = None) -> QLabel:
    """A label whose text is always read as HTML (the model's words escaped in it)."""
    out = label(text, parent, role=role)
    out.setTextFormat(Qt.TextFormat.RichText)
    return out


def _items(values: list[str]) -> str:
    return "".join(f"<li>{_esc(v)}</li>" for v in values) or "<li>—</li>"


class StoryView(QWidget):
    def __init__(self, run: AssistRun, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storyView")
        result = run.result or {}
        board = result.get("storyboard") or {}
        box = QVBoxLayout(self)
        box.setSpacing(SPACING)
        verdict = "approved by the Critic" if board.get("approved") else \
            "not approved by the Critic (the last draft stands)"
        box.addWidget(rich(f"<b>{_esc(str(board.get('title', '')))}</b> — "
                            f"{len(board.get('scenes') or [])} scenes, {verdict}, score "
                            f"{board.get('critic_score', '—')} after "
                            f"{board.get('rounds', '?')} round(s)", self, role="heading"))
        box.addWidget(rich(_esc(str(board.get("story", ""))), self))
        self.scene_labels = []
        for scene in board.get("scenes") or []:
            text = (f"<b>{scene['index']}.</b> {_esc(scene['prompt'])} "
                    f"<i>({scene['duration_seconds']:g} s)</i>")
            if scene.get("transition"):
                text += (f"<br>→ {_esc(scene['transition'])}: "
                         f"{_esc(scene.get('transition_note', ''))}")
            shown = rich(text, self)
            self.scene_labels.append(shown)
            box.addWidget(shown)
        box.addWidget(rich("Critic", self, role="heading"))
        self.critique_labels = []
        for review in result.get("critiques") or []:
            state = "approved" if review.get("approved") else "needs revision"
            shown = rich(
                f"<b>Round {review['round']}: {review['score']}/100, {state}</b>"
                f"<br>Strengths:<ul>{_items(review.get('strengths') or [])}</ul>"
                f"Improvements:<ul>{_items(review.get('improvements') or [])}</ul>", self)
            shown.setObjectName("critique")
            self.critique_labels.append(shown)
            box.addWidget(shown)
        cohesion = result.get("cohesion") or {}
        box.addWidget(rich("Cohesion", self, role="heading"))
        self.cohesion = rich(_esc(str(cohesion.get("overall", "—"))), self)
        box.addWidget(self.cohesion)
        box.addWidget(rich("Conversation", self, role="heading"))
        self.messages = []
        for message in run.conversation:
            pictures = message.get("images") or []
            extra = f" [images: {_esc(', '.join(pictures))}]" if pictures else ""
            shown = rich(f"<b>{_esc(message['agent'])} · {message['role']}</b>"
                          f"{extra}<br>{_esc(message['text'])}".replace("\n", "<br>"),
                          self)
            shown.setFrameShape(QFrame.Shape.StyledPanel)
            self.messages.append(shown)
            box.addWidget(shown)
        box.addStretch(1)
