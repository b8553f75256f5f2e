"""The Studio service as the widgets see it: store events as a Qt signal, the catalog
snapshot, the current selection, and one place that runs coroutines and reports failures.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from studio.api.switch import ApiSwitch
from studio.core.catalog import ProviderEntry
from studio.core.events import StoreEvent
from studio.core.service import Studio
from studio.providers.base import ModelInfo
from studio.providers.modes import Mode, Role

log = logging.getLogger(__name__)


class StoreBridge(QObject):
    """Re-emits store events as a signal. The store calls us on whatever thread made the
    change; receivers connect with a queued connection, so they run on the GUI thread."""

    event = Signal(object)

    def __init__(self, studio: Studio, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = studio.subscribe(self._publish)

    def _publish(self, event: StoreEvent) -> None:
        self.event.emit(event)

    def close(self) -> None:
        self._unsubscribe()


class Session(QObject):
    storeEvent = Signal(object)  # StoreEvent, always delivered on the GUI thread
    catalogChanged = Signal()
    settingsChanged = Signal()
    busyChanged = Signal(bool)  # a catalog refresh is running
    toast = Signal(str, str)  # level (info, success, error), text
    jobSelected = Signal(str)
    assetSelected = Signal(str)
    useRequest = Signal(dict)  # "Use these settings": a RenderRequest dict for Compose
    inputsRequested = Signal(object)  # ui.iterate.InputsRequest: images (a mask) for Compose
    apiChanged = Signal()  # the automation API started, stopped or failed to start
    preferencesChanged = Signal()  # theme, favourite or recent models changed

    def __init__(self, studio: Studio, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.closed = False
        self.bridge = StoreBridge(studio, self)
        self.bridge.event.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._entries: list[ProviderEntry] = studio.catalog.entries()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._refreshing = False
        self.quota_errors: dict[str, str] = {}
        self.api = ApiSwitch(studio)  # the automation API server, on this (qasync) loop

    def _deliver(self, event: StoreEvent) -> None:
        if not self.closed:  # events still queued when the window closed are dropped
            self.storeEvent.emit(event)

    def detach(self) -> None:
        """Stop delivering store events (the window is closing; the store may close next)."""
        self.closed = True
        self.bridge.close()

    # -- catalog ----------------------------------------------------------------------

    def entries(self) -> list[ProviderEntry]:
        return self._entries

    def entry(self, provider_id: str) -> ProviderEntry | None:
        return next((e for e in self._entries if e.id == provider_id), None)

    def _model(self, provider_id: str, model_id: str) -> ModelInfo | None:
        provider = self.studio.providers.get(provider_id)
        return provider.models.get(model_id) if provider else None

    def model_name(self, provider_id: str, model_id: str) -> str:
        model = self._model(provider_id, model_id)
        return model.name if model else model_id

    def why_not_input(self, provider_id: str, model_id: str, mode: Mode,
                      role: Role) -> str | None:
        """Why that model cannot take an image in `role` in `mode`; None when it can (or
        is unknown here: the check before sending says so then)."""
        model = self._model(provider_id, model_id)
        return model.why_not(mode, role) if model else None

    def reload_catalog(self) -> None:
        """Rebuild from what is known now (no network)."""
        self._entries = self.studio.catalog.entries()
        self.catalogChanged.emit()

    @property
    def refreshing(self) -> bool:
        return self._refreshing

    def refresh_catalog(self) -> asyncio.Task[Any] | None:
        """Ask providers for quotas on the event loop; the window stays responsive."""
        if self._refreshing:
            return None
        self._refreshing = True  # at once, so the button and label react before the task runs
        self.busyChanged.emit(True)
        return self.spawn(self._refresh(), what="Refreshing the catalog")

    async def _refresh(self) -> dict[str, str]:
        try:
            self.quota_errors = await self.studio.catalog.refresh(force=True)
        finally:
            self._refreshing = False
            self.busyChanged.emit(False)
            self.reload_catalog()
        return self.quota_errors

    def check_servers(self, only: list[str] | None = None,
                      force: bool = False) -> asyncio.Task[Any]:
        """Ask self-hosted servers whether they answer (cached; async), then redraw: a
        server entry shows live only once it has answered."""
        return self.spawn(self._check_servers(only, force), what="Checking the servers")

    async def _check_servers(self, only: list[str] | None, force: bool) -> dict[str, str]:
        errors = await self.studio.catalog.refresh_health(only=only, force=force)
        if not self.closed:
            self.reload_catalog()
        return errors

    # -- settings ---------------------------------------------------------------------

    def apply_settings(self, settings: Any) -> None:
        self.studio.update_settings(settings)
        self.settingsChanged.emit()
        self.reload_catalog()
        self.check_servers()  # an address may have changed: ask again
        self.sync_api()

    def sync_api(self) -> asyncio.Task[Any]:
        """Start, stop or move the automation API server to match the settings."""
        return self.spawn(self._sync_api(), what="Starting the automation API")

    async def _sync_api(self) -> None:
        await self.api.apply(self.studio.settings.automation_api)
        if self.api.error:
            self.toast.emit("error", f"Automation API: {self.api.error}")
        self.apiChanged.emit()

    # -- preferences ------------------------------------------------------------------

    def preferences(self) -> Any:
        return self.studio.preferences()

    def save_preferences(self, preferences: Any) -> None:
        self.studio.save_preferences(preferences)
        self.preferencesChanged.emit()

    def set_favourite(self, provider_id: str, model_id: str, on: bool) -> None:
        self.studio.set_favourite(provider_id, model_id, on)
        self.preferencesChanged.emit()

    def note_used(self, targets: list[tuple[str, str]]) -> None:
        """Models just sent to go to the top of every picker's "Recently used"."""
        if targets:
            self.studio.note_used(targets)
            self.preferencesChanged.emit()

    # -- coroutines -------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any], *, what: str) -> asyncio.Task[Any]:
        """Run `coro` on the qasync loop; a failure becomes an error toast, never a crash."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._done(t, what))
        return task

    def _done(self, task: asyncio.Task[Any], what: str) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("ui.task_failed what=%s", what, exc_info=exc)
            self.toast.emit("error", f"{what} failed: {exc}")

    async def close(self) -> None:
        self.detach()
        tasks = [t for t in self._tasks if not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks)
        await self.api.stop()
