"""Per-model parameter presets and the prompt history, as small JSON files in the config
dir. A damaged file is logged and treated as empty, never a reason not to start."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from studio.core.atomic import write_atomic

log = logging.getLogger(__name__)

HISTORY_LIMIT = 50


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


class PresetStore:
    """{"fal/fal-ai/flux/dev": {"Crisp": {...params...}}} in presets.json."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def key(provider: str, model: str) -> str:
        return f"{provider}/{model}"

    def names(self, provider: str, model: str) -> list[str]:
        return sorted(_read(self.path, {}).get(self.key(provider, model), {}))

    def get(self, provider: str, model: str, name: str) -> dict[str, Any] | None:
        found = _read(self.path, {}).get(self.key(provider, model), {}).get(name)
        return found if isinstance(found, dict) else None

    def save(self, provider: str, model: str, name: str, params: dict[str, Any]) -> None:
        name = name.strip()
        if not name:
            raise ValueError("a preset needs a name")
        data = _read(self.path, {})
        data.setdefault(self.key(provider, model), {})[name] = params
        _write(self.path, data)

    def delete(self, provider: str, model: str, name: str) -> bool:
        data = _read(self.path, {})
        removed = data.get(self.key(provider, model), {}).pop(name, None) is not None
        if removed:
            _write(self.path, data)
        return removed


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
