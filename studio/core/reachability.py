"""Does each self-hosted server answer? One cached, async check per catalog entry.

A server entry (ComfyUI, a RunPod endpoint, Vivid Flow, or any entry registered at run
time) is live only once its server has answered. The answer is fresh for `ttl` seconds
(a job asks again after that; the catalog keeps showing the last answer);
checks of one entry never overlap (a second caller awaits the first one's answer), and
`forget` drops answers when the settings change, so the next read asks again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from studio.providers.base import Health, Provider, ProviderError

TTL_SECONDS = 60.0


class Reach(Enum):
    ANSWERS = "answers"
    SILENT = "silent"  # the check failed: nothing (or the wrong thing) answered
    UNCHECKED = "unchecked"  # not asked yet, or the last answer is stale
    NOT_APPLICABLE = "n/a"  # no server to check (a hosted API, or not configured yet)


@dataclass(frozen=True)
class Answer:
    """A provider server's health check, and when it was asked."""
    at: float
    health: Health | None  # None: the provider has nothing to check

    @property
    def reach(self) -> Reach:
        if self.health is None:
            return Reach.NOT_APPLICABLE
        return Reach.ANSWERS if self.health.ok else Reach.SILENT


def checks_a_server(provider: Provider) -> bool:
    """A provider whose health() is its own says whether its server answers."""
    return type(provider).health is not Provider.health


class Reachability:
    """Per entry id: the last answer of `probe(entry_id)` and when it came."""

    def __init__(self, probe: Callable[[str], Awaitable[Health | None]], *,
                 ttl: float = TTL_SECONDS) -> None:
        self._probe = probe
        self.ttl = ttl
        self._answers: dict[str, Answer] = {}
        self._running: dict[str, asyncio.Future[Answer]] = {}
        self._probes: dict[str, Callable[[], Awaitable[Health | None]]] = {}

    def add_probe(self, entry_id: str, probe: Callable[[], Awaitable[Health | None]]) -> None:
        """An entry registered at run time (a pod's ComfyUI server, say) with its own check;
        without one, entries are asked through the default probe by id."""
        self._probes[entry_id] = probe
        self.forget(entry_id)

    def has_probe(self, entry_id: str) -> bool:
        return entry_id in self._probes

    def remove_probe(self, entry_id: str) -> None:
        self._probes.pop(entry_id, None)
        self.forget(entry_id)

    def forget(self, entry_id: str | None = None) -> None:
        if entry_id is None:
            self._answers.clear()
        else:
            self._answers.pop(entry_id, None)

    def answer(self, entry_id: str) -> Answer | None:
        """The last answer while fresh; None when it must be asked (again)."""
        answer = self._answers.get(entry_id)
        if answer is None or time.monotonic() - answer.at > self.ttl:
            return None
        return answer

    def reach(self, entry_id: str) -> Reach:
        """What the server last said (kept when stale: the catalog does not flip to
        "unchecked" every minute); UNCHECKED only when never asked since it changed."""
        answer = self._answers.get(entry_id)
        return Reach.UNCHECKED if answer is None else answer.reach

    def stale(self, entry_id: str) -> bool:
        """Never asked, or asked more than `ttl` seconds ago: ask before relying on it."""
        return self.answer(entry_id) is None

    def detail(self, entry_id: str) -> str | None:
        """What the server said (or why it did not answer), even when stale."""
        answer = self._answers.get(entry_id)
        return answer.health.detail if answer and answer.health else None

    async def check(self, entry_id: str, *, force: bool = False) -> Answer:
        """Ask now unless a fresh answer is known (`force` asks anyway); one probe at a time
        per entry. Raises nothing: a failed probe is a SILENT answer with its reason."""
        if not force and (known := self.answer(entry_id)) is not None:
            return known
        running = self._running.get(entry_id)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._running[entry_id] = future
        try:
            try:
                own = self._probes.get(entry_id)
                health = await (own() if own is not None else self._probe(entry_id))
            except ProviderError as exc:
                health = Health(False, exc.message)
            except ValueError as exc:  # a bad base URL in the settings
                health = Health(False, str(exc))
            answer = Answer(time.monotonic(), health)
            self._answers[entry_id] = answer
            future.set_result(answer)
            return answer
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when none waits
            raise
        finally:
            self._running.pop(entry_id, None)
