"""The prompt assistant (no Qt): enhance and adapt prompts, analyze images, write
storyboards (Director, Critic, Cohesion) and judge outputs, over an OpenAI-compatible chat
endpoint, dry-run unless `features.enable_assistant` is on and its key is present.

    run = await studio.assist.enhance("a fox in snow", target="fal:fal-ai/flux/dev")
    run.as_json()  # {"run", "flow", "live", "reason", "requests", "result"}
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Imported on first use: the GUI's widgets name these types at start-up, long before the
# assistant's flows and answer schemas are needed.
_EXPORTS = {"ChatAccess": "access", "Assistant": "assistant", "AssistRun": "runs",
            "RunStatus": "runs", "AssistError": "errors", "SceneDraft": "storyboard",
            "StoryboardDraft": "storyboard"}
__all__ = ["AssistError", "AssistRun", "Assistant", "ChatAccess", "RunStatus", "SceneDraft",
           "StoryboardDraft"]

if TYPE_CHECKING:
    from studio.core.assist.access import ChatAccess
    from studio.core.assist.assistant import Assistant
    from studio.core.assist.errors import AssistError
    from studio.core.assist.runs import AssistRun, RunStatus
    from studio.core.assist.storyboard import SceneDraft, StoryboardDraft


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
