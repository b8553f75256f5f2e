"""The empty gallery teaches: which providers run live, which are dry-runs and why (the
service's own decision reasons), one button to Settings for flags and keys, and what each
status badge means."""

from __future__ import annotations

import html

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studio.core.first_run import FirstRun
from studio.ui.session import Session
from studio.ui.widgets import SPACING, badge_size, paint_badge, status_color, status_label

LEGEND = [
    ("live", "Calls go out and are billed by the provider (in the sandbox: the local "
             "emulator answers, nothing is billed)."),
    ("dry-run", "Nothing is sent: the exact request and its price estimate are recorded, so "
                "there is no picture."),
    ("missing-credentials", "No API key: add one in Settings (or set its environment "
                            "variable)."),
    ("low-quota", "Live, but the balance is below your warning level."),
    ("disabled", "Turned off by a setting (for example a compliance switch)."),
    ("sandbox", "Answered by the local emulator: real files, no real provider."),
]


def badge_pixmap(key: str, font) -> QPixmap:
    """The same pill the lists draw, as a picture for a label."""
    from PySide6.QtGui import QFontMetrics

    size = badge_size(QFontMetrics(font), status_label(key))
    pm = QPixmap(size.width() + 2, size.height() + 2)
    pm.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pm)
    painter.setFont(font)
    paint_badge(painter, QRect(0, 0, size.width(), size.height() + 2), status_label(key),
                status_color(key))
    painter.end()
    return pm


class FirstRunPanel(QScrollArea):
    settingsRequested = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRun")
        self.session = session
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(self)
        self.heading = QLabel(body)
        self.heading.setObjectName("firstRunHeading")
        self.heading.setProperty("role", "heading")
        self.heading.setWordWrap(True)
        self.summary = QLabel(body)
        self.summary.setObjectName("firstRunSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.settings_button = QPushButton("Open Settings: flags and keys…", body)
        self.settings_button.setObjectName("firstRunSettings")
        self.settings_button.setAccessibleName("Open Settings for feature flags and keys")
        self.settings_button.clicked.connect(self.settingsRequested)
        legend_title = QLabel("What the badges mean", body)
        legend_title.setProperty("role", "heading")
        self.legend = QGridLayout()
        self.legend.setHorizontalSpacing(SPACING * 2)
        self.legend.setVerticalSpacing(SPACING // 2)
        self._fill_legend(body)
        self.details = QLabel(body)
        self.details.setObjectName("firstRunDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setProperty("role", "muted")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box = QVBoxLayout(body)
        box.setContentsMargins(SPACING * 3, SPACING * 2, SPACING * 3, SPACING * 2)
        box.setSpacing(SPACING * 2)
        box.addWidget(self.heading)
        box.addWidget(self.summary)
        box.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.addWidget(legend_title)
        box.addLayout(self.legend)
        box.addWidget(self.details)
        box.addStretch(1)
        body.setMaximumWidth(760)
        self.setWidget(body)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self._stale = True  # filled when first shown: start-up does not pay for it

    def _fill_legend(self, body: QWidget) -> None:
        for row, (key, meaning) in enumerate(LEGEND):
            pill = QLabel(body)
            pill.setPixmap(badge_pixmap(key, self.font()))
            pill.setAccessibleName(status_label(key))
            text = QLabel(meaning, body)
            text.setWordWrap(True)
            self.legend.addWidget(pill, row, 0, Qt.AlignmentFlag.AlignTop)
            self.legend.addWidget(text, row, 1)
        self.legend.setColumnStretch(1, 1)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Re-read the summary now if it is on screen, else when it next shows."""
        self._stale = not self.isVisible()
        if self._stale:
            return
        summary = self.session.studio.first_run()
        self.heading.setText(_heading(summary))
        self.summary.setText(_summary_html(summary, self.session.studio.settings.features))
        self.details.setText(_details_html(summary))


def _heading(s: FirstRun) -> str:
    if s.dry_runs and not s.outputs:
        n = s.dry_runs
        return (f"No pictures yet: your {n} job{'s were' if n != 1 else ' was a'} "
                f"dry-run{'s' if n != 1 else ''}, so nothing was sent.")
    if s.jobs and not s.outputs:
        return "No pictures yet: your jobs are still running, or they failed (see the Queue)."
    return "No results yet. Write a prompt in Compose and press Ctrl+Enter."


def _summary_html(s: FirstRun, features) -> str:
    esc = html.escape
    parts = []
    if s.sandbox:
        parts.append("You are in the <b>sandbox</b>: a local emulator answers every call and "
                     "renders real files; nothing is billed. Every job runs live here, "
                     "whatever the flags in Settings say.")
        names = list(dict.fromkeys(line.provider for line in s.outside_not_live))
        if names:
            parts.append("Outside the sandbox these would be <b>dry-runs</b> (flag off or no "
                         f"key): {esc(', '.join(names))}.")
    if s.last_dry_run_reason and not s.outputs:
        parts.append(f"The last job was a dry-run because {esc(s.last_dry_run_reason)}.")
    live = list(dict.fromkeys(f"{line.provider} ({line.kind})" for line in s.live))
    color = status_color("live").name()
    parts.append(f"<span style='color:{color}'>●</span> <b>Live now:</b> "
                 + (esc(", ".join(live)) if live else "nothing yet") + ".")
    # In the sandbox the flags do not hold jobs back: only a gate or a silent server does.
    off = [] if s.sandbox else [
        label for flag, label in (("enable_public_image_providers", "image"),
                                  ("enable_public_video_providers", "video"))
        if not getattr(features, flag, True)]
    no_key = list(dict.fromkeys(line.provider for line in s.not_live
                                if line.status == "missing-credentials"))
    color = status_color("dry-run").name()
    why = []
    if off:
        why.append(f"public {' and '.join(off)} providers are switched off in Settings")
    if no_key:
        why.append(f"{len(no_key)} provider{'s have' if len(no_key) != 1 else ' has'} no API "
                   f"key ({esc(', '.join(no_key))})")
    if s.not_live and s.sandbox:
        names = list(dict.fromkeys(line.provider for line in s.not_live))
        parts.append(f"<span style='color:{color}'>●</span> <b>Not live even here</b>: "
                     f"{esc(', '.join(names))} (why, below).")
    elif s.not_live:
        parts.append(f"<span style='color:{color}'>●</span> <b>Dry-run only</b> (the exact "
                     "request and its price are recorded, nothing is sent)"
                     + (": " + "; ".join(why) if why else "") + ".")
    return "<p>" + "</p><p>".join(parts) + "</p>"


def _details_html(s: FirstRun) -> str:
    """Each provider that is not live, with the service's reason for each of its kinds."""
    esc = html.escape
    by_provider: dict[str, dict[str, list[str]]] = {}
    for line in s.not_live:
        by_provider.setdefault(line.provider, {}).setdefault(line.reason, []).append(line.kind)
    if not by_provider:
        return ""
    rows = []
    for provider, reasons in by_provider.items():
        said = "; ".join(f"{esc(reason)}" + (f" ({', '.join(kinds)})" if len(reasons) > 1
                                              else "") for reason, kinds in reasons.items())
        rows.append(f"<li><b>{esc(provider)}</b>: {said}</li>")
    return f"<b>Why each provider is not live</b><ul>{''.join(rows)}</ul>"
