"""A *Write storyboard* run as the artist reads it: the draft (title, story, scenes), each
Critic round (score, strengths, improvements, approved or not), the Cohesion notes, and the
whole conversation between the Director, the Critic and the Cohesion pass."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from studio.core.assist.runs import AssistRun
from studio.ui.assist.run_dialog import label
from studio.ui.widgets import SPACING


def _items(values: list[str]) -> str:
    return "".join(f"<li>{html.escape(v)}</li>" for v in values) or "<li>—</li>"


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
        box.addWidget(label(f"<b>{html.escape(str(board.get('title', '')))}</b> — "
                            f"{len(board.get('scenes') or [])} scenes, {verdict}, score "
                            f"{board.get('critic_score', '—')} after "
                            f"{board.get('rounds', '?')} round(s)", self, role="heading"))
        box.addWidget(label(html.escape(str(board.get("story", ""))), self))
        self.scene_labels = []
        for scene in board.get("scenes") or []:
            text = (f"<b>{scene['index']}.</b> {html.escape(scene['prompt'])} "
                    f"<i>({scene['duration_seconds']:g} s)</i>")
            if scene.get("transition"):
                text += (f"<br>→ {html.escape(scene['transition'])}: "
                         f"{html.escape(scene.get('transition_note', ''))}")
            shown = label(text, self)
            self.scene_labels.append(shown)
            box.addWidget(shown)
        box.addWidget(label("Critic", self, role="heading"))
        self.critique_labels = []
        for review in result.get("critiques") or []:
            state = "approved" if review.get("approved") else "needs revision"
            shown = label(
                f"<b>Round {review['round']}: {review['score']}/100, {state}</b>"
                f"<br>Strengths:<ul>{_items(review.get('strengths') or [])}</ul>"
                f"Improvements:<ul>{_items(review.get('improvements') or [])}</ul>", self)
            shown.setObjectName("critique")
            self.critique_labels.append(shown)
            box.addWidget(shown)
        cohesion = result.get("cohesion") or {}
        box.addWidget(label("Cohesion", self, role="heading"))
        self.cohesion = label(html.escape(str(cohesion.get("overall", "—"))), self)
        box.addWidget(self.cohesion)
        box.addWidget(label("Conversation", self, role="heading"))
        self.messages = []
        for message in run.conversation:
            pictures = message.get("images") or []
            extra = f" [images: {html.escape(', '.join(pictures))}]" if pictures else ""
            shown = label(f"<b>{html.escape(message['agent'])} · {message['role']}</b>"
                          f"{extra}<br>{html.escape(message['text'])}".replace("\n", "<br>"),
                          self)
            shown.setFrameShape(QFrame.Shape.StyledPanel)
            self.messages.append(shown)
            box.addWidget(shown)
        box.addStretch(1)
