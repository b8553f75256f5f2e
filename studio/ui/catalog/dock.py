"""The Providers dock: the model picker (every provider with its models, a status badge,
price, quota) and, under it, the details of the row under the cursor with docs and
pricing links. Refresh asks for quotas without freezing."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from studio.core.catalog import ModelEntry, ProviderEntry, price_note
from studio.ui.catalog.picker import ModelPicker
from studio.ui.catalog.tree_model import Node, quota_text
from studio.ui.session import Session
from studio.ui.widgets import SPACING, format_usd, status_color, status_label

__all__ = ["CatalogDock", "quota_text"]


class CatalogDock(QDockWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Providers", parent)
        self.setObjectName("providersDock")
        self.session = session
        self.picker = ModelPicker(session, self, name="catalogPicker")
        self.picker.currentChanged.connect(self._show_details)

        self.details = QLabel(self)
        self.details.setObjectName("catalogDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setOpenExternalLinks(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.details.setMargin(SPACING)
        self.details.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.details.setAccessibleName("Details of the selected provider or model")
        details_scroll = QScrollArea(self)
        details_scroll.setWidgetResizable(True)
        details_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        details_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        details_scroll.setWidget(self.details)
        details_scroll.setMinimumHeight(72)

        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setObjectName("refreshCatalog")
        self.refresh_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_action.setToolTip("Ask self-hosted servers whether they answer and each "
                                       "provider with a key for its quota (F5)")
        self.refresh_action.triggered.connect(self.refresh)
        self.busy = QLabel(self)
        self.busy.setProperty("role", "muted")
        toolbar = QToolBar("Providers", self)
        toolbar.setObjectName("providersToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.refresh_action)
        toolbar.addWidget(self.busy)

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.picker)
        split.addWidget(details_scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        body = QWidget(self)
        box = QVBoxLayout(body)
        box.setContentsMargins(SPACING, 0, SPACING, SPACING)
        box.setSpacing(SPACING // 2)
        box.addWidget(toolbar)
        box.addWidget(split, 1)
        self.setWidget(body)
        self.setMinimumWidth(220)

        session.busyChanged.connect(self._on_busy)
        session.catalogChanged.connect(lambda: self._show_details(self.picker.current_node()))
        if not self.picker.select(next((e.id for e in session.entries()), "")):
            self._show_details(None)
        # Self-hosted servers are live only once they answer: ask them as the app opens.
        QTimer.singleShot(0, session.check_servers)

    def refresh(self) -> None:
        self.session.refresh_catalog()

    def _on_busy(self, busy: bool) -> None:
        self.refresh_action.setEnabled(not busy)
        self.busy.setText("Checking servers and quotas…" if busy else "")

    # -- what the tests and the window ask ----------------------------------------------

    def status_of(self, provider_id: str) -> str | None:
        entry = self.session.entry(provider_id)
        return entry.status if entry is not None else None

    # -- details ------------------------------------------------------------------------

    def _show_details(self, node: Node | None) -> None:
        if node is None or node.entry is None:
            self.details.setText("Pick a provider or model to see its status, price and "
                                 "links." if node is None else "")
            return
        entry = self.session.entry(node.entry.id) or node.entry
        if node.model is None:
            self.details.setText(self._provider_html(entry))
        else:
            model = next((m for m in entry.models if m.id == node.model.id), node.model)
            self.details.setText(self._model_html(model, entry))

    def _badge(self, status: str) -> str:
        color = status_color(status).name()
        return f"<span style='color:{color}; font-weight:600'>● {status_label(status)}</span>"

    def _provider_html(self, e: ProviderEntry) -> str:
        esc = html.escape
        rows = [f"<b>{esc(e.name)}</b> &nbsp; {self._badge(e.status)}"
                + (f" &nbsp; {self._badge('sandbox')}" if e.sandbox else ""),
                f"<span>{esc(e.reason)}</span>",
                f"Key: {esc(e.key_source)} &nbsp;·&nbsp; Kinds: {esc(', '.join(e.kinds))}"]
        if e.quota:
            rows.append(f"Quota: {esc(quota_text(e.quota))}"
                        + (f" — {esc(e.quota['detail'])}" if e.quota.get("detail") else ""))
        error = self.session.quota_errors.get(e.id)
        if error:
            rows.append(f"<span style='color:{status_color('error').name()}'>Quota check "
                        f"failed: {esc(error)}</span>")
        if e.notes:
            rows.append(f"<i>{esc(e.notes)}</i>")
        rows.append(f"<a href='{esc(e.docs_url)}'>Docs</a> &nbsp;·&nbsp; "
                    f"<a href='{esc(e.pricing_url)}'>Pricing</a>")
        return "<br>".join(rows)

    def _model_html(self, m: ModelEntry, provider: ProviderEntry) -> str:
        esc = html.escape
        caps = m.capabilities
        facts = []
        if caps.get("max_reference_images"):
            facts.append(f"up to {caps['max_reference_images']} input image(s)")
        if caps.get("negative_prompt"):
            facts.append("negative prompt")
        if caps.get("seed"):
            facts.append("seed")
        if caps.get("durations"):
            facts.append("durations " + ", ".join(f"{d:g} s" for d in caps["durations"]))
        rows = [f"<b>{esc(m.name)}</b> &nbsp; {self._badge(m.status)}",
                f"<code>{esc(m.id)}</code>",
                esc(m.description),
                f"Modes: {esc(', '.join(m.modes))}",
                f"Status: {esc(m.reason)}",
                f"Price: {esc(format_usd(m.price))} — "
                + esc(price_note(m.price)).replace("\n", "<br>")]
        if facts:
            rows.append("Supports: " + esc(", ".join(facts)))
        rows.append(f"<a href='{esc(provider.docs_url)}'>Docs</a> &nbsp;·&nbsp; "
                    f"<a href='{esc(provider.pricing_url)}'>Pricing</a>")
        return "<br>".join(rows)
