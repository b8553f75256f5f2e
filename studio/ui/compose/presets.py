"""Per-model parameter presets (studio.core.presets: shipped and the user's, in the config
dir) and the prompt history, a small JSON file there. A damaged file is logged and treated
as empty, never a reason not to start."""

from __future__ import annotations

from pathlib import Path

from studio.core.json_files import read_json, write_json
from studio.core.presets import PresetLibrary

HISTORY_LIMIT = 50
PresetStore = PresetLibrary  # Compose's name for it


class PromptHistory:
    """The last 50 distinct prompts, newest first, in prompt_history.json."""

    def __init__(self, path: Path, limit: int = HISTORY_LIMIT) -> None:
        self.path = path
        self.limit = limit

    def items(self) -> list[str]:
        return [p for p in read_json(self.path, []) if isinstance(p, str)][: self.limit]

    def add(self, prompt: str) -> None:
        prompt = prompt.strip()
        if not prompt:
            return
        items = [p for p in self.items() if p != prompt]
        write_json(self.path, [prompt, *items][: self.limit])
