"""Per-model parameter presets (studio.core.presets: shipped and the user's, in the config
dir) and the prompt history, a small JSON file there. A damaged file is logged and treated
as empty, never a reason not to start."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from studio.core.atomic import write_atomic
from studio.core.presets import PresetLibrary

log = logging.getLogger(__name__)

HISTORY_LIMIT = 50
PresetStore = PresetLibrary  # Compose's name for it


def _read(path: Path, default: Any) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as exc:
        log.warning("ui.file_unreadable path=%s error=%s", path, exc)
        return default
    return data if isinstance(data, type(default)) else default


def _write(path: Path, data: Any) -> None:
    write_atomic(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8"))


class PromptHistory:
    """The last 50 distinct prompts, newest first, in prompt_history.json."""

    def __init__(self, path: Path, limit: int = HISTORY_LIMIT) -> None:
        self.path = path
        self.limit = limit

    def items(self) -> list[str]:
        return [p for p in _read(self.path, []) if isinstance(p, str)][: self.limit]

    def add(self, prompt: str) -> None:
        prompt = prompt.strip()
        if not prompt:
            return
        items = [p for p in self.items() if p != prompt]
        _write(self.path, [prompt, *items][: self.limit])
