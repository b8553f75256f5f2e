"""The prompt assistant (no Qt): enhance and adapt prompts, analyze images, write
storyboards (Director, Critic, Cohesion) and judge outputs, over an OpenAI-compatible chat
endpoint, dry-run unless `features.enable_assistant` is on and its key is present.

    run = await studio.assist.enhance("a fox in snow", target="fal:fal-ai/flux/dev")
    run.as_json()  # {"run", "flow", "live", "reason", "requests", "result"}
"""

from studio.core.assist.access import ChatAccess
from studio.core.assist.assistant import Assistant
from studio.core.assist.runs import AssistRun, RunStatus
from studio.core.assist.session import AssistError
from studio.core.assist.storyboard import SceneDraft, StoryboardDraft

__all__ = ["AssistError", "AssistRun", "Assistant", "ChatAccess", "RunStatus", "SceneDraft",
           "StoryboardDraft"]
