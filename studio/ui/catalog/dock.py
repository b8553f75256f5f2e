"""The Providers dock: every provider with its models, a status badge (colour + text),
price, quota, modes, and docs/pricing links. Refresh asks for quotas without freezing."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.catalog import ModelEntry, ProviderEntry, price_note
from studio.ui.session import Session
from studio.ui.widgets import (
    BADGES,
    SPACING,
    BadgeDelegate,
    ExpansionMemory,
    format_usd,
    status_color,
    status_icon,
    status_label,
)

ENTRY = Qt.ItemDataRole.UserRole + 3


def quota_text(quota: dict | None) -> str:
    if not quota:
        return ""
    unit = quota.get("unit", "")
    amount = quota.get("remaining")
    text = f"${amount:,.2f}" if unit == "usd" else f"{amount:,.4g} {unit}"
    return text + (" (low)" if quota.get("low") else "")


class CatalogDock(QDockWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Providers", parent)
        self.setObjectName("providersDock")
        self.session = session
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("catalogTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Provider / model", "Price / quota"])
        self.tree.setItemDelegateForColumn(0, BadgeDelegate(self.tree))
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._show_details)
        self._expansion = ExpansionMemory(self.tree, ENTRY, key=lambda e: e.id)

        self.details = QLabel(self)
        self.details.setObjectName("catalogDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setOpenExternalLinks(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.details.setMargin(SPACING)
        self.details.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setObjectName("refreshCatalog")
        self.refresh_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_action.setToolTip("Ask each provider with a key for its quota (F5)")
        self.refresh_action.triggered.connect(self.refresh)
        self.busy = QLabel(self)
        self.busy.setProperty("role", "muted")
        toolbar = QToolBar("Providers", self)
        toolbar.setObjectName("providersToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.refresh_action)
        toolbar.addWidget(self.busy)

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.tree)
        split.addWidget(self.details)
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

        session.catalogChanged.connect(self.rebuild)
        session.busyChanged.connect(self._on_busy)
        self.rebuild()

    def refresh(self) -> None:
        self.session.refresh_catalog()

    def _on_busy(self, busy: bool) -> None:
        self.refresh_action.setEnabled(not busy)
        self.busy.setText("Checking quotas…" if busy else "")

    # -- tree ---------------------------------------------------------------------------

    def rebuild(self) -> None:
        current = self.tree.currentItem()
        keep = current.data(0, ENTRY).id if current is not None else None
        self.tree.clear()
        select = None
        for entry in self.session.entries():
            top = QTreeWidgetItem(self.tree, [entry.name, quota_text(entry.quota)])
            top.setData(0, ENTRY, entry)
            top.setData(0, BADGES, [entry.status, *(["sandbox"] if entry.sandbox else [])])
            error = self.session.quota_errors.get(entry.id)
            tip = entry.reason + (f"\nQuota check failed: {error}" if error else "")
            for col in range(2):
                top.setToolTip(col, tip)
            for model in entry.models:
                item = QTreeWidgetItem(top, [model.name, format_usd(model.price)])
                item.setData(0, ENTRY, model)
                item.setIcon(0, status_icon(model.status))
                if model.status != entry.status:
                    item.setData(0, BADGES, [model.status])
                item.setToolTip(0, f"{model.id}\n{model.description}\nModes: "
                                   f"{', '.join(model.modes)}\nStatus: "
                                   f"{status_label(model.status)} — {model.reason}")
                item.setToolTip(1, price_note(model.price))
                if keep == model.id:
                    select = item
            if keep == entry.id:
                select = top
        entries = self.session.entries()
        self._expansion.restore(sum(len(e.models) for e in entries) <= 30)
        self.tree.setCurrentItem(select or self.tree.topLevelItem(0))

    def item_for(self, provider_id: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, ENTRY).id == provider_id:
                return item
        return None

    def status_of(self, provider_id: str) -> str | None:
        item = self.item_for(provider_id)
        return item.data(0, ENTRY).status if item is not None else None

    def _show_details(self, item: QTreeWidgetItem | None, _prev=None) -> None:
        if item is None:
            self.details.setText("")
            return
        data = item.data(0, ENTRY)
        if isinstance(data, ProviderEntry):
            self.details.setText(self._provider_html(data))
        elif isinstance(data, ModelEntry):
            self.details.setText(self._model_html(data, item.parent().data(0, ENTRY)))

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
                f"Price: {esc(format_usd(m.price))} — "
                + esc(price_note(m.price)).replace("\n", "<br>")]
        if facts:
            rows.append("Supports: " + esc(", ".join(facts)))
        rows.append(f"<a href='{esc(provider.docs_url)}'>Docs</a> &nbsp;·&nbsp; "
                    f"<a href='{esc(provider.pricing_url)}'>Pricing</a>")
        return "<br>".join(rows)
