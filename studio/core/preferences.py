"""The artist's preferences: theme, favourite and recently used models, and when the Queue
was last cleared. Kept apart from studio.json (which holds what changes the requests sent)
in config/preferences.json, written atomically; a bad file is kept as .bad.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio.core.atomic import write_atomic

log = logging.getLogger(__name__)

FILE_NAME = "preferences.json"  # under the config dir; app/launch.py reads `theme` early
RECENT_LIMIT = 8
Theme = Literal["system", "light", "dark"]


def target_key(provider: str, model: str) -> str:
    """How a provider/model pair is written in favourites and recents."""
    return f"{provider}:{model}"


class Preferences(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a newer file's extra keys are not an error

    theme: Theme = Field("system", description="system follows the desktop's colour scheme")
    favourites: list[str] = Field(default_factory=list, description="PROVIDER:MODEL keys")
    recent: list[str] = Field(default_factory=list, description="newest first")
    queue_cleared_before: float | None = Field(
        None, description="Finished jobs up to this time are hidden from the Queue")
    sending_paused: bool = Field(
        False, description="The Queue's Pause sending, kept across restarts: jobs left "
        "waiting are not sent at the next start until the artist resumes")

    def with_favourite(self, key: str, on: bool) -> Preferences:
        favourites = [k for k in self.favourites if k != key] + ([key] if on else [])
        return self.model_copy(update={"favourites": favourites})

    def with_used(self, keys: Iterable[str]) -> Preferences:
        fresh = list(dict.fromkeys(keys))
        recent = fresh + [k for k in self.recent if k not in fresh]
        return self.model_copy(update={"recent": recent[:RECENT_LIMIT]})


class PreferenceStore:
    """Reads once, writes on every change (a few hundred bytes)."""

    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / FILE_NAME
        self.warning: str | None = None
        self._current = self._load()

    @property
    def current(self) -> Preferences:
        return self._current

    def _load(self) -> Preferences:
        if not self.path.exists():
            return Preferences()
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return Preferences.model_validate(raw)
        except (ValueError, ValidationError, UnicodeDecodeError, OSError) as exc:
            bad = self.path.with_name(self.path.name + ".bad")
            self.path.replace(bad)
            self.warning = (f"Preferences file {self.path} could not be read; it was kept as "
                            f"{bad.name} and defaults are in use.")
            log.warning("preferences.corrupt error=%s", type(exc).__name__)
            return Preferences()

    def save(self, preferences: Preferences) -> Preferences:
        data = json.dumps(preferences.model_dump(mode="json"), indent=2, sort_keys=True)
        write_atomic(self.path, (data + "\n").encode("utf-8"))
        self._current = preferences
        return preferences
