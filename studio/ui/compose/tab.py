"""Compose: one prompt fanned out to every checked provider/model, each with its own form,
validated on every change, with a live cost preview. Generate sends one job per target;
a fan-out to several targets is a compare group, so Compare shows it at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.core.compare.adapt import Brief
from studio.core.compare.adapt import Target as CompareTarget
from studio.core.jobs import Job, JobStatus
from studio.core.requests import FieldError, RequestError, field_errors
from studio.providers.base import Mode, RenderRequest
from studio.ui.catalog import ModelPicker
from studio.ui.compose.drops import ComposeDrops
from studio.ui.compose.feedback import apply_errors, fallback_price, show_price
from studio.ui.compose.input_marks import InputMarks
from studio.ui.compose.presets import PresetStore, PromptHistory
from studio.ui.compose.prompt_box import PromptBox, heading
from studio.ui.compose.recall import fill_compose
from studio.ui.compose.targets import Target, TargetPanel
from studio.ui.compose.variations import VariationsBox, quoted, send_variations
from studio.ui.iterate.request import InputsRequest, Outpaint
from studio.ui.session import Session
from studio.ui.widgets import SPACING, ImageLoader, SpendGate, money

if TYPE_CHECKING:
    from studio.ui.mask import MaskEditor, SavedMask


class ComposeTab(QWidget):
    submitted = Signal(list)  # job ids
    compareRequested = Signal(dict)  # compare_payload(): the start of a compare brief
    fanoutSent = Signal(str)  # the compare group a fan-out to several targets became

    def __init__(self, session: Session, loader: ImageLoader, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.studio = session.studio
        config = self.studio.paths.config_dir
        self.presets = PresetStore(config / "presets.json")
        self.history = PromptHistory(config / "prompt_history.json")
        self.panels: dict[Target, TargetPanel] = {}
        self._sending = False
        self._timer = QTimer(self, singleShot=True, interval=80)
        self._timer.timeout.connect(self.revalidate)

        self.box = PromptBox(self.history, loader, self)
        self.box.changed.connect(self.schedule)
        # Inputs with roles: each model's plan, and marks where a model cannot take them.
        self.marks = InputMarks(self.studio, self.box.images,
                                lambda: [p.model for p in self.active_panels()])
        self.box.images.attach(self.studio, self.marks.next_role)
        self.box.images.problem.connect(lambda text: session.toast.emit("error", text))
        self.box.images.changed.connect(self.mark_inputs)
        self.box.images.editMask.connect(self.edit_mask)
        self.mask_editor: MaskEditor | None = None
        self.drops = ComposeDrops(self, self.box.images)
        self.targets = ModelPicker(session, self, checkable=True, name="composeTargets")
        self.targets.view.setAccessibleName("Send to: models")
        self._add_enhance()
        self._add_examples()
        self.targets.targetsChanged.connect(self._sync_panels)
        self.panel_host = QWidget(self)
        self.panel_box = QVBoxLayout(self.panel_host)
        self.panel_box.setContentsMargins(0, 0, 0, 0)
        self.panel_box.setSpacing(SPACING)
        self.no_targets = QLabel("Check one or more models under “Send to” to fan this prompt "
                                 "out to them. Each one gets its own settings here.", self)
        self.no_targets.setObjectName("noTargets")
        self.no_targets.setProperty("role", "muted")
        self.no_targets.setWordWrap(True)
        self.no_targets.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_targets.setMinimumHeight(96)
        self.panel_box.addWidget(self.no_targets)
        self.panel_box.addStretch(1)
        self.total = QLabel(self)
        self.total.setObjectName("totalCost")
        self.total.setProperty("role", "heading")
        self.reason = QLabel(self)
        self.reason.setObjectName("generateReason")
        self.reason.setProperty("role", "muted")
        self.reason.setWordWrap(True)
        self.generate_button = QPushButton("Generate", self)
        self.generate_button.setObjectName("generate")
        self.generate_button.setDefault(True)
        self.generate_button.setMinimumWidth(144)
        self.generate_button.setToolTip("Send one job per checked model (Ctrl+Return)")
        self.generate_button.clicked.connect(self.generate)

        left = QWidget(self)
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.setSpacing(SPACING // 2)
        lbox.addWidget(heading(left, "Send to"))
        lbox.addWidget(self.targets, 1)
        # Prompt and per-model settings scroll as one column, so a small window (1024x700)
        # still shows whole forms instead of squeezing them to a sliver.
        right = QWidget(self)
        rbox = QVBoxLayout(right)
        rbox.setContentsMargins(0, 0, SPACING, 0)
        rbox.setSpacing(SPACING)
        rbox.addWidget(self.box)
        rbox.addWidget(heading(right, "Settings per model"))
        rbox.addWidget(self.panel_host, 1)
        self.settings_scroll = QScrollArea(self)
        self.settings_scroll.setObjectName("composeScroll")
        self.settings_scroll.setWidgetResizable(True)
        self.settings_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.settings_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.settings_scroll.setWidget(right)
        self.settings_scroll.setMinimumWidth(290)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(self.settings_scroll)
        split.setStretchFactor(0, 1)  # the list widens with the window too
        split.setStretchFactor(1, 2)
        split.setSizes([320, 640])
        split.setChildrenCollapsible(False)
        split.setHandleWidth(SPACING * 2)
        footer = QHBoxLayout()
        footer.setSpacing(SPACING * 2)
        footer.addWidget(self.total)
        footer.addWidget(self.reason, 1)
        self.compare_button = QPushButton("Send to Compare", self)
        self.compare_button.setObjectName("sendToCompare")
        self.compare_button.setToolTip("Open these models in Compare: one shared brief, with "
                                       "what each model keeps of it shown before sending")
        self.compare_button.clicked.connect(self.send_to_compare)
        self.variations = VariationsBox(self)
        footer.addWidget(self.variations)
        footer.addWidget(self.compare_button)
        footer.addWidget(self.generate_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING * 2)
        box.setSpacing(SPACING * 2)
        box.addWidget(split, 1)
        box.addLayout(footer)

        session.catalogChanged.connect(self._on_catalog)
        self._on_catalog()

    def _add_enhance(self) -> None:
        """*Enhance prompt* beside History, its change bar under the prompt (ui/assist)."""
        from studio.ui.assist import ChangeBar, EnhanceButton

        self.enhance_bar = ChangeBar(self.box)
        self.enhance = EnhanceButton(self.session, self.box.prompt, self.targets.checked,
                                     self.enhance_bar, self.box)
        self.box.head.insertWidget(self.box.head.count() - 1, self.enhance)
        QWidget.setTabOrder(self.enhance, self.box.history_button)  # before the prompt, too
        QWidget.setTabOrder(self.box.history_button, self.box.prompt)
        self.box.body.insertWidget(self.box.body.indexOf(self.box.prompt) + 1, self.enhance_bar)

    def _add_examples(self) -> None:
        """Example prompts of the checked models (Qwen-Image ships some) beside History."""
        from studio.ui.compose.examples import ExamplesButton

        self.examples = ExamplesButton(self.presets, self.box.prompt, self.targets.checked,
                                       self.box)
        self.box.head.insertWidget(self.box.head.count() - 1, self.examples)
        self.targets.targetsChanged.connect(self.examples.refresh)

    # Shortcuts to the shared fields, used by the window and the tests.
    @property
    def prompt(self):
        return self.box.prompt

    @property
    def seed(self):
        return self.box.seed

    @property
    def images(self):
        return self.box.images

    # -- targets and panels -------------------------------------------------------------

    def _on_catalog(self) -> None:
        self._update_statuses()
        self.mark_inputs()
        self.schedule()

    def _update_statuses(self) -> None:
        for (pid, mid), panel in self.panels.items():
            entry = self.session.entry(pid)
            model = next((m for m in entry.models if m.id == mid), None) if entry else None
            if model is not None:
                panel.set_status(model.status, model.reason)

    def _sync_panels(self) -> None:
        checked = self.targets.checked()
        for target, panel in self.panels.items():
            panel.setVisible(target in checked)
        for target in checked:
            if target not in self.panels:
                provider = self.studio.providers[target[0]]
                panel = TargetPanel(provider.info.name, target[0], provider.model(target[1]),
                                    self.presets, self.panel_host, session=self.session)
                panel.changed.connect(self.schedule)
                self.panels[target] = panel
        for i, target in enumerate(checked):  # panels follow the list order
            self.panel_box.insertWidget(i + 1, self.panels[target])
            self.panels[target].show()
        self.no_targets.setVisible(not checked)
        limit = max((self.panels[t].model.capabilities.max_reference_images for t in checked),
                    default=0)
        self.images.set_limit(limit)
        self._update_statuses()
        self.mark_inputs()
        self.schedule()

    def active_panels(self) -> list[TargetPanel]:
        return [self.panels[t] for t in self.targets.checked() if t in self.panels]

    def mark_inputs(self) -> None:
        """Say on each panel, and in the picker, which chosen inputs a model cannot take."""
        for panel in self.panels.values():
            panel.set_input_notes(self.marks.plan(panel.model).notes
                                  if self.marks.marks([panel.target]) else [])
        every = [(e.id, m.id) for e in self.session.entries() for m in e.models]
        self.targets.model.set_marks(self.marks.marks(every))

    def take_inputs(self, request: InputsRequest) -> None:
        """Outputs from another view (and a mask): into the inputs, models checked."""
        for target in request.targets:
            self.targets.set_checked(target)
        self.images.take(request)
        self.revalidate()

    def edit_mask(self, ref: str) -> MaskEditor | None:
        """The mask chip's "Edit mask…": the saved mask reopened over its image; the new
        mask (its parents: the image and the old mask) replaces it here."""
        from studio.ui.mask import open_mask_editor

        self.mask_editor = open_mask_editor(self.session, ref, self, self._mask_edited)
        return self.mask_editor

    def _mask_edited(self, saved: SavedMask) -> None:
        if saved.mode is Mode.INPAINT:  # the same picture: only the mask changes
            self.images.set_mask(saved.mask)
            self.revalidate()
            return
        outpaint = None if saved.extension.empty else Outpaint(saved.source, saved.extension)
        self.take_inputs(InputsRequest(refs=(saved.image,), mode=saved.mode, mask=saved.mask,
                                       outpaint=outpaint, replace=True))

    # -- validation ---------------------------------------------------------------------

    def schedule(self) -> None:
        self._timer.start()

    def build_request(self, panel: TargetPanel) -> RenderRequest:
        """The RenderRequest for one target; raises pydantic's ValidationError."""
        seed, _ = self.box.seed_value()
        plan = self.marks.plan(panel.model)  # the inputs this model takes, in its order
        return RenderRequest(
            provider=panel.provider_id, model=panel.model.id, mode=plan.mode,
            prompt=self.box.prompt_text(), negative_prompt=self.box.negative_text(),
            seed=seed, params={**panel.values(), **plan.params},
            input_images=plan.images, mask=plan.mask)

    def revalidate(self) -> bool:
        """Check every target now; mark errors inline; enable Generate. True if valid."""
        self._timer.stop()
        if self.session.closed:  # the debounce timer may fire after the window (and store) closed
            return False
        panels = self.active_panels()
        _, seed_error = self.box.seed_value()
        prompt_errors: list[str] = []
        usd, unpriced, blocked = 0.0, 0, []
        for panel in panels:
            errors: list[FieldError] = []
            price = None
            try:
                price = self.studio.estimate(self.build_request(panel))
            except ValidationError as exc:
                errors = field_errors(exc)
            except RequestError as exc:
                errors = exc.errors
            price = price or fallback_price(panel)
            show_price(panel, price)
            if price is None or price.usd is None:
                unpriced += 1
            else:
                usd += price.usd
            prompt_errors += apply_errors(panel, errors)
            if panel.has_errors():
                blocked.append(panel.model.name)
        empty_prompt = not self.box.prompt_text()
        shown = [e for e in dict.fromkeys(prompt_errors) if not (empty_prompt and "required" in e)]
        self.box.show_errors(shown, seed_error)
        reason = ""
        if self._sending:
            reason = "Sending…"
        elif not panels:
            reason = "Check at least one model under “Send to”."
        elif empty_prompt:
            reason = "Write a prompt to generate."
        elif seed_error or shown:
            reason = "Fix the marked fields above."
        elif blocked:
            reason = f"Fix the marked values in {', '.join(blocked)}."
        self.reason.setText(reason)
        self.generate_button.setEnabled(not reason)
        n = len(panels)
        total = money(usd) + (f" + {unpriced} unpriced" if unpriced else "")
        self.total.setText(f"{n} job{'s' if n != 1 else ''} · ≈ {total}" if n else "")
        return not reason

    # -- generate -----------------------------------------------------------------------

    def generate(self) -> None:
        if self._sending or not self.revalidate():
            return
        requests = self._requests()
        # Above the per-action amount (Settings > Budgets) the artist confirms first.
        SpendGate.of(self.session).ask(
            self, quoted(self._quoted(requests), self.variations.value()),
            lambda: self.session.spawn(self._generate(requests), what="Sending the jobs"))

    def _requests(self) -> list[tuple[TargetPanel, RenderRequest]]:
        return [(p, self.build_request(p)) for p in self.active_panels()]

    def _quoted(self, requests: list[tuple[TargetPanel, RenderRequest]]) -> list[RenderRequest]:
        """What the confirmation prices: a fan-out as its compare group will send it."""
        if len(requests) > 1 and self._as_group(requests):
            brief, targets = self._fanout_plan(requests)
            try:
                return [a.request for a in self.studio.compare.plan(brief, targets,
                                                                     load_images=False)]
            except RequestError:
                pass  # the send itself names what is wrong, on its panel
        return [r for _, r in requests]

    async def _generate(self, requests: list[tuple[TargetPanel, RenderRequest]] | None = None
                        ) -> list[str]:
        requests = requests if requests is not None else self._requests()
        self._sending = True
        self.revalidate()
        jobs: list[Job] = []
        group_id = None
        try:
            if len(requests) > 1 and self._as_group(requests) and \
                    self.variations.value() == 1:
                group_id, jobs = await self._send_fanout(requests)
            elif self._checked_all(requests):
                sent = [r for _, r in requests]
                jobs = (await send_variations(self.studio, sent, self.variations.value())
                        if self.variations.value() > 1
                        else await self.studio.submit_many(sent))  # budget-checked
        finally:
            self._sending = False
            self.revalidate()
        refused = [j for j in jobs if j.status is JobStatus.REFUSED]
        if refused:
            self.session.toast.emit("error", refused[0].error or "Refused by a budget")
        if jobs:
            self.history.add(requests[0][1].prompt)
            self.session.note_used([p.target for p, _ in requests])
            live = sum(not j.dry_run for j in jobs) - len(refused)
            parts = [f"{live} live"] if live else []
            if len(jobs) - live - len(refused):
                parts.append(f"{len(jobs) - live - len(refused)} dry-run")
            if refused:
                parts.append(f"{len(refused)} refused")
            plural = "s" if len(jobs) > 1 else ""
            verb = "Recorded" if refused else "Sent"
            where = " as a compare group: see Compare (Ctrl+3)" if group_id else ""
            self.session.toast.emit("info", f"{verb} {len(jobs)} job{plural} "
                                            f"({', '.join(parts)}){where}")
            self.submitted.emit([j.id for j in jobs])
            if group_id:
                self.fanoutSent.emit(group_id)
        return [j.id for j in jobs]

    def _as_group(self, requests: list[tuple[TargetPanel, RenderRequest]]) -> bool:
        """A fan-out is a compare group when every model gets the same images as they are
        (no mask, no chosen mode); else its jobs are sent one by one, each as planned."""
        refs = self.images.refs()
        return self.images.mask_ref is None and self.images.mode() is None and all(
            r.input_images == refs for _, r in requests)

    def _checked_all(self, requests: list[tuple[TargetPanel, RenderRequest]]) -> bool:
        """Check every request first: errors stay on their panel and nothing is sent."""
        ok = True
        for panel, request in requests:
            try:
                self.studio.check(request)
            except RequestError as exc:
                apply_errors(panel, exc.errors)
                ok = False
        return ok

    def _fanout_plan(self, requests: list[tuple[TargetPanel, RenderRequest]]
                     ) -> tuple[Brief, list[CompareTarget]]:
        first = requests[0][1]
        brief = Brief(prompt=first.prompt, negative_prompt=first.negative_prompt,
                      seed=first.seed, input_images=self.images.paths())
        targets = [CompareTarget(provider=p.provider_id, model=p.model.id, params=p.values())
                   for p, _ in requests]
        return brief, targets

    async def _send_fanout(self, requests: list[tuple[TargetPanel, RenderRequest]]
                           ) -> tuple[str | None, list[Job]]:
        """Several targets: check every request first (errors stay on their panel and
        nothing is sent), then send them as one compare group, which the budgets check
        as a whole (all of it is sent, or every live job of it is refused)."""
        if not self._checked_all(requests):
            return None, []
        group = await self.studio.compare.create(*self._fanout_plan(requests))
        jobs = [job for c in group.cells
                if c.job_id and (job := self.studio.job(c.job_id)) is not None]
        return group.id, jobs

    def send_to_compare(self) -> None:
        self.compareRequested.emit(self.compare_payload())

    def compare_payload(self) -> dict[str, Any]:
        """The prompt, seed, images and checked models (with the params the artist changed
        from each model's defaults) as the start of a compare brief (BriefPanel.fill)."""
        targets = []
        for panel in self.active_panels():
            defaults = {n: f.default for n, f in panel.model.params.model_fields.items()
                        if not f.is_required()}
            changed = {k: v for k, v in panel.values().items()
                       if k not in defaults or defaults[k] != v}
            targets.append({"provider": panel.provider_id, "model": panel.model.id,
                            "params": changed})
        seed, _ = self.box.seed_value()
        return {"prompt": self.box.prompt_text(), "negative_prompt": self.box.negative_text(),
                "seed": seed, "input_images": self.images.paths(), "targets": targets}

    # -- recall -------------------------------------------------------------------------

    def fill_from_request(self, data: dict[str, Any]) -> None:
        """'Use these settings': load a stored request into the form (prompt, seed as used,
        the inputs by asset id with their roles, the mask, the model and its params).
        Sends nothing."""
        fill_compose(self, data)
        self.revalidate()
