"""Clean-up in one click on an image asset: Upscale, Remove background, Vary (same
settings, a new seed) and Vary prompt (Compose with the settings). Each is an ordinary
job through the service: a dry-run unless the provider is live, priced, confirmed above
the spend threshold, in the Queue, with the asset as its parent in lineage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from studio.core.jobs import Job, JobStatus
from studio.core.requests import RequestError
from studio.providers.base import Mode, RenderRequest
from studio.ui.iterate.request import InputsRequest, Target, asset_ref
from studio.ui.widgets import SpendGate

if TYPE_CHECKING:
    from studio.ui.session import Session

WHAT = {Mode.UPSCALE: "Upscale", Mode.REMOVE_BACKGROUND: "Remove background"}


class Cleanup(QObject):
    def __init__(self, session: Session, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.studio = session.studio
        self.widget = parent

    def models(self, mode: Mode) -> list[tuple[Target, str, str]]:
        """(target, "Provider · Model", status) of every model that can do `mode`."""
        return [((e.id, m.id), f"{e.name} · {m.name}", m.status)
                for e in self.session.entries() for m in e.models if mode.value in m.modes]

    def request(self, asset_id: str, mode: Mode, target: Target) -> RenderRequest:
        """The job: the asset as the input image, its own prompt when the model wants one."""
        model = self.studio.providers[target[0]].model(target[1])
        prompt = ""
        if model.capabilities.prompt != "none":
            asset = self.studio.asset(asset_id)
            job = self.studio.job(asset.job_id) if asset is not None else None
            prompt = job.prompt if job is not None else ""
        return RenderRequest(provider=target[0], model=target[1], mode=mode, prompt=prompt,
                             input_images=[asset_ref(asset_id)])

    def run(self, asset_id: str, mode: Mode, target: Target) -> None:
        """Send it (after the spend confirmation when asked); a request the model cannot
        take as it is (a prompt it needs) opens in Compose instead, nothing sent."""
        request = self.request(asset_id, mode, target)
        try:
            self.studio.check(request, load_images=False)
        except RequestError as exc:
            self.session.inputsRequested.emit(InputsRequest(
                refs=(asset_ref(asset_id),), mode=mode, replace=True, targets=(target,)))
            self.session.toast.emit("info", f"{WHAT.get(mode, mode.value)}: {exc.errors[0]}. "
                                            "Compose holds it now; nothing was sent.")
            return
        self._ask([request], WHAT.get(mode, mode.value), variations=False)

    def vary(self, asset_id: str) -> None:
        """The same prompt, model and settings with a new seed."""
        try:
            request = self.studio.settings_of(asset_id).model_copy(update={"seed": None})
        except (KeyError, ValueError) as exc:
            self.session.toast.emit("info", str(exc).strip("'\""))
            return
        self._ask([request], "Vary", variations=True)

    def vary_prompt(self, asset_id: str) -> None:
        """Compose with this output's settings, the prompt ready to change."""
        try:
            data = self.studio.settings_of(asset_id).model_dump(mode="json")
        except (KeyError, ValueError) as exc:
            self.session.toast.emit("info", str(exc).strip("'\""))
            return
        self.session.useRequest.emit(data)

    def _ask(self, requests: list[RenderRequest], what: str, *, variations: bool) -> None:
        SpendGate.of(self.session).ask(
            self.widget, requests,
            lambda: self.session.spawn(self.send(requests, what, variations=variations),
                                       what=what))

    async def send(self, requests: list[RenderRequest], what: str, *,
                   variations: bool = False) -> list[Job]:
        if variations:
            jobs = [job for r in requests
                    for job in (await self.studio.variations(r, 1)).jobs]
        else:
            jobs = await self.studio.submit_many(requests)
        for job in jobs:
            name = self.session.model_name(job.provider, job.model)
            if job.status is JobStatus.REFUSED:
                self.session.toast.emit("error", job.error or "Refused by a budget")
            else:
                how = "dry-run" if job.dry_run else "live"
                self.session.toast.emit("info", f"{what}: sent to {name} ({how}); see the "
                                                "Queue")
            self.session.jobSelected.emit(job.id)
        return jobs
