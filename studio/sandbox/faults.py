"""Fault switches set at runtime through /_sandbox/faults.

Each counted fault is a list of entries `{"count": n, "provider": p?, ...options}`; an
entry without a provider applies to any provider. POST accepts a bare number, one entry
object or a list of entries per key, and replaces that key's entries.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from studio.providers import BUILTIN_MODULES, assistant_infos, infos
from studio.providers.base import ProviderInfo


def sandbox_providers(extra_modules: Iterable[str] = ()) -> list[ProviderInfo]:
    """The registered providers the sandbox serves: every one declaring a sandbox, then
    the assistant endpoints (chat calls)."""
    modules = dict.fromkeys([*BUILTIN_MODULES, *extra_modules])
    return [info for info in [*infos(modules), *assistant_infos()] if info.sandbox]


# The ids fault entries may name: derived from the provider declarations, never listed here.
PROVIDERS = tuple(info.id for info in sandbox_providers())
COUNTED_FAULTS = ("rate_limit", "server_errors", "malformed_json", "fail_next", "throttle_next",
                  "ws_drop", "foreign_prompt", "truncate_download", "reset_download",
                  "drop_poll", "refuse_answer", "malformed_answer")
TIMING_KEYS = ("queue_seconds", "run_seconds")
JITTER_KEY = "run_jitter"
CREDIT_KEYS = ("runway_credits", "stability_credits", "luma_credits")
_OPTIONS = {
    "rate_limit": {"retry_after"},
    "server_errors": {"status"},
    "malformed_json": set(),
    "fail_next": {"code", "message", "status"},
    "throttle_next": {"seconds"},
    # ComfyUI: close the client's websocket after `after` progress messages; queue another
    # client's prompt (running `seconds`) ahead of the next one posted.
    "ws_drop": {"after"},
    "foreign_prompt": {"seconds"},
    # Output downloads (/files, ComfyUI /view, Stability's image answer) cut short: a part
    # of the body (`fraction`), with the full Content-Length declared or none at all.
    # `skip` lets that many downloads through first (to cut a job's second output).
    "truncate_download": {"fraction", "content_length", "skip"},
    # The connection dropped after `fraction` of the body (default: right after headers).
    "reset_download": {"fraction", "skip"},
    # A status poll whose connection drops before any body arrives.
    "drop_poll": set(),
    # Chat completions: a model that refuses (`message.refusal`), or whose answer does not
    # follow the JSON schema it was given (valid HTTP, unusable content).
    "refuse_answer": set(),
    "malformed_answer": set(),
}


class FaultError(ValueError):
    """A fault request the sandbox cannot understand; answered with HTTP 400."""


@dataclass
class FaultEntry:
    kind: str
    remaining: int
    provider: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    taken: int = 0

    def describe(self) -> dict[str, Any]:
        return {"count": self.remaining, "provider": self.provider, **self.options}


@dataclass
class Timing:
    queue_seconds: float
    run_seconds: float
    run_jitter: float = 0.0


class FaultState:
    """Counted faults plus timing overrides; every take_* call consumes one use."""

    def __init__(self, providers: Iterable[str] = PROVIDERS) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, list[FaultEntry]] = {kind: [] for kind in COUNTED_FAULTS}
        self._timing: dict[str, float] = {}
        self.providers = tuple(providers)

    def apply(self, spec: dict[str, Any]) -> None:
        """Set the faults named in spec (validated as a whole before anything changes)."""
        if not isinstance(spec, dict):
            raise FaultError("faults must be a JSON object")
        default_provider = _provider(spec.get("provider"))
        unknown = set(spec) - {*COUNTED_FAULTS, *TIMING_KEYS, JITTER_KEY, *CREDIT_KEYS, "provider"}
        if unknown:
            raise FaultError(f"unknown fault keys: {sorted(unknown)}")
        parsed = {
            kind: _entries(kind, spec[kind], default_provider)
            for kind in COUNTED_FAULTS
            if kind in spec
        }
        named = {default_provider} | {e.provider for es in parsed.values() for e in es}
        unknown_providers = sorted(p for p in named - {None} if p not in self.providers)
        if unknown_providers:
            raise FaultError(f"provider must be one of {self.providers}, got "
                             f"{unknown_providers[0]!r}")
        timing = {key: _seconds(key, spec[key]) for key in TIMING_KEYS if key in spec}
        if JITTER_KEY in spec:
            timing[JITTER_KEY] = _jitter(spec[JITTER_KEY])
        with self._lock:
            self._entries.update(parsed)
            for key, value in timing.items():
                if value is None:
                    self._timing.pop(key, None)
                else:
                    self._timing[key] = value

    def clear(self) -> None:
        with self._lock:
            self._entries = {kind: [] for kind in COUNTED_FAULTS}
            self._timing.clear()

    def take(self, kind: str, provider: str) -> FaultEntry | None:
        """Consume one use of the first matching `kind` entry; returns it, or None."""
        with self._lock:
            for entry in self._entries[kind]:
                if entry.remaining > 0 and entry.provider in (None, provider):
                    if entry.options.get("skip", 0) > 0:
                        entry.options["skip"] -= 1  # let this one through
                        return None
                    entry.remaining -= 1
                    entry.taken += 1
                    self._entries[kind] = [e for e in self._entries[kind] if e.remaining > 0]
                    return entry
        return None

    def timing(self, queue_seconds: float, run_seconds: float, run_jitter: float = 0.0) -> Timing:
        """The configured timings with any runtime override applied."""
        with self._lock:
            return Timing(
                self._timing.get("queue_seconds", queue_seconds),
                self._timing.get("run_seconds", run_seconds),
                self._timing.get(JITTER_KEY, run_jitter),
            )

    def describe(self) -> dict[str, Any]:
        with self._lock:
            out: dict[str, Any] = {
                kind: [e.describe() for e in entries] for kind, entries in self._entries.items()
            }
            out.update(self._timing)
            return out


def _provider(value: Any) -> str | None:
    """A provider id; FaultState.apply checks it is one the sandbox serves."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FaultError(f"provider must be a provider id, got {value!r}")
    return value


def _seconds(key: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FaultError(f"{key} must be a number of seconds >= 0")
    return float(value)


def _jitter(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise FaultError(f"{JITTER_KEY} must be a fraction between 0 and 1")
    return float(value)


def _entries(kind: str, value: Any, default_provider: str | None) -> list[FaultEntry]:
    if value is None or value is False:
        return []
    items = value if isinstance(value, list) else [value]
    return [e for e in (_entry(kind, item, default_provider) for item in items) if e.remaining]


def _entry(kind: str, item: Any, default_provider: str | None) -> FaultEntry:
    if item is True:
        item = 1
    if isinstance(item, int) and not isinstance(item, bool):
        item = {"count": item}
    if not isinstance(item, dict):
        raise FaultError(f"{kind} must be a count, an object or a list of objects")
    options = {k: v for k, v in item.items() if k not in ("count", "provider")}
    unknown = set(options) - _OPTIONS[kind]
    if unknown:
        raise FaultError(f"{kind} does not take {sorted(unknown)}")
    count = item.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise FaultError(f"{kind}.count must be an integer >= 0")
    _check_options(kind, options)
    provider = _provider(item["provider"]) if "provider" in item else default_provider
    return FaultEntry(kind, count, provider, options)


def _check_options(kind: str, options: dict[str, Any]) -> None:
    retry_after = options.get("retry_after", 1)
    if isinstance(retry_after, bool) or not isinstance(retry_after, int | float) or retry_after < 0:
        raise FaultError("rate_limit.retry_after must be a number of seconds >= 0")
    status = options.get("status")
    if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
        raise FaultError(f"{kind}.status must be an HTTP error status (400-599)")
    for key in ("code", "message"):
        if key in options and not isinstance(options[key], str):
            raise FaultError(f"{kind}.{key} must be a string")
    after = options.get("after", 1)
    if isinstance(after, bool) or not isinstance(after, int) or after < 1:
        raise FaultError("ws_drop.after must be an integer >= 1")
    fraction = options.get("fraction", 0.5)
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not (
            0 <= fraction < 1):
        raise FaultError(f"{kind}.fraction must be a number from 0 up to (not including) 1")
    skip = options.get("skip", 0)
    if isinstance(skip, bool) or not isinstance(skip, int) or skip < 0:
        raise FaultError(f"{kind}.skip must be an integer >= 0")
    if not isinstance(options.get("content_length", True), bool):
        raise FaultError(f"{kind}.content_length must be true or false")
    seconds = options.get("seconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise FaultError("throttle_next.seconds must be a number >= 0")
