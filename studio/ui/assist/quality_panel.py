"""The Inspector's quality section for one output: its score and the metrics behind it,
what was not as asked, and (apart, labelled) the assistant's opinion of its adherence;
with Measure again, Analyze image and Judge adherence."""

from __future__ import annotations

import asyncio
import html
from typing import Any

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.core.assist.errors import AssistError
from studio.core.events import EventKind, StoreEvent
from studio.core.jobs import Asset
from studio.core.quality_store import OPINION_LABEL, QualityRecord
from studio.ui.assist.quality import QUALITY_TIP, quality_color
from studio.ui.session import Session
from studio.ui.widgets import SPACING

_IMAGE_FACTS = (("sharpness", "sharpness {:.0f}"), ("noise_sigma", "noise {:.1f}"),
                ("contrast", "contrast {:.2f}"))
_VIDEO_FACTS = (("flicker", "flicker {:.1f}"), ("warped_ssim_mean", "consistency {:.2f}"),
                ("motion_mean", "motion {:.2f} %"), ("frozen_fraction", "frozen {:.0%}"))


def metric_summary(metrics: dict[str, Any], kind: str | None) -> str:
    """The few raw metrics that explain a score, in words."""
    parts = [fmt.format(metrics[key]) for key, fmt in _IMAGE_FACTS
             if isinstance(metrics.get(key), int | float)]
    clipped = (metrics.get("clipped_highlights") or 0) + (metrics.get("clipped_shadows") or 0)
    parts.insert(1, f"clipped {clipped:.1%}")
    if kind == "video":
        parts += [fmt.format(metrics[key]) for key, fmt in _VIDEO_FACTS
                  if isinstance(metrics.get(key), int | float)]
    return " · ".join(parts)


class QualityPanel(QGroupBox):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Quality", parent)
        self.setObjectName("qualityPanel")
        self.session = session
        self.asset: Asset | None = None
        self.score = QLabel(self)
        self.score.setObjectName("qualityScore")
        self.score.setToolTip(QUALITY_TIP)
        self.details = QLabel(self)
        self.details.setObjectName("qualityDetails")
        self.details.setWordWrap(True)
        self.details.setProperty("role", "muted")
        self.opinion = QLabel(self)
        self.opinion.setObjectName("qualityOpinion")
        self.opinion.setWordWrap(True)
        self.measure_button = QPushButton("Measure again", self)
        self.measure_button.setObjectName("measureQuality")
        self.measure_button.clicked.connect(self.measure)
        self.analyze_button = QPushButton("Analyze image…", self)
        self.analyze_button.setObjectName("analyzeImage")
        self.analyze_button.setToolTip("Theme, subject, palette, lighting and motion prompts "
                                       "from the assistant")
        self.analyze_button.clicked.connect(self.analyze)
        self.judge_button = QPushButton("Judge adherence", self)
        self.judge_button.setObjectName("judgeAdherence")
        self.judge_button.setToolTip("Ask a vision model how closely this follows its prompt "
                                     "(its opinion, stored apart from the metrics)")
        self.judge_button.clicked.connect(self.judge)
        buttons = QHBoxLayout()
        buttons.setSpacing(SPACING)
        for b in (self.measure_button, self.analyze_button, self.judge_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        box = QVBoxLayout(self)
        box.setSpacing(SPACING // 2)
        box.addWidget(self.score)
        box.addWidget(self.details)
        box.addWidget(self.opinion)
        box.addLayout(buttons)
        session.storeEvent.connect(self._on_event)
        self.show_asset(None)

    def show_asset(self, asset: Asset | None) -> None:
        self.asset = asset
        self.setVisible(asset is not None)
        if asset is None:
            return
        self.analyze_button.setEnabled(asset.media_type.startswith("image/"))
        self._show(self.session.studio.quality(asset.id))
        opinion = self.session.studio.opinion(asset.id)
        self.opinion.setText("" if opinion is None else (
            f"<b>{opinion.score}/100</b> — {html.escape(OPINION_LABEL)}, "
            f"{html.escape(opinion.model)}<br>"
            + "<br>".join(f"• {html.escape(r)}" for r in opinion.reasons)))
        self.opinion.setVisible(opinion is not None)

    def _show(self, record: QualityRecord | None) -> None:
        if record is None:
            self.score.setText("Not measured yet (new outputs are measured in the background)")
            self.details.setText("")
            return
        if record.quality_score is None:
            self.score.setText("Not measurable")
            self.details.setText(html.escape(record.note or ""))
            return
        colour = quality_color(record.quality_score).name()
        stale = "" if record.current else " (older formula: measure again)"
        self.score.setText(f"<span style='color:{colour}; font-weight:600'>"
                           f"{record.quality_score:.1f} / 100</span> · {record.kind} · "
                           f"metrics v{record.metrics_version}{stale}")
        lines = [metric_summary(record.metrics, record.kind)]
        lines += [f"Not as asked: {m}" for m in record.metrics.get("mismatches") or []]
        if record.metrics.get("frozen"):
            lines.append("Frozen: most of the clip repeats")
        self.details.setText("<br>".join(html.escape(x) for x in lines))

    def _on_event(self, event: StoreEvent) -> None:
        if (event.kind is EventKind.ASSET_QUALITY and self.asset is not None
                and event.asset is not None and event.asset.id == self.asset.id):
            self.show_asset(event.asset)

    def measure(self) -> None:
        if self.asset is None:
            return
        self.score.setText("Measuring…")
        asset_id = self.asset.id
        self.session.spawn(asyncio.to_thread(self.session.studio.measure_asset, asset_id),
                           what="Measuring quality")

    def analyze(self) -> None:
        if self.asset is not None:
            from studio.ui.assist.analysis import analyze_asset

            analyze_asset(self.session, self.asset.id, self.window())

    def judge(self) -> None:
        if self.asset is None:
            return
        self.judge_button.setEnabled(False)
        self.opinion.setText("Asking the assistant…")
        self.opinion.show()
        self.session.spawn(self._judge(self.asset.id), what="Judging adherence")

    async def _judge(self, asset_id: str) -> None:
        try:
            run = await self.session.studio.assist.judge(asset_id)
        except (AssistError, ValueError) as exc:
            self.opinion.setText(html.escape(getattr(exc, "message", None) or str(exc)))
            return
        finally:
            self.judge_button.setEnabled(True)
        if not run.live:
            self.opinion.setText(html.escape(f"Dry-run: nothing was sent. {run.reason}."))
