"""The short flows: *Enhance prompt*, *Adapt per model*, *Analyze image*, *Judge*.

Each takes a `ChatSession` (which records, sends and validates) and returns the run's
result as plain JSON data. The storyboard flow is in story.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from studio.core.assist import instructions as say
from studio.core.assist.answers import Adherence, EnhancedPrompt, ImageAnalysis
from studio.core.assist.diff import word_diff
from studio.core.assist.images import Picture
from studio.core.assist.session import ChatSession, DryRunStop
from studio.providers.chat import ChatMessage
from studio.providers.prompt_hints import PromptHint


@dataclass(frozen=True)
class Target:
    """A provider:model the prompt is rewritten for, with its family's hint."""

    key: str  # provider:model
    name: str
    hint: PromptHint


async def enhance(session: ChatSession, prompt: str, target: Target | None,
                  agent: str = "enhancer") -> dict[str, Any]:
    """{"original", "prompt", "diff", "target", "notes"}"""
    hint = target.hint if target else None
    answer = await session.ask(agent, [
        ChatMessage("system", say.ENHANCER),
        ChatMessage("user", say.enhance_request(prompt, target.name if target else None,
                                                hint))], EnhancedPrompt)
    prompt_out = answer.prompt.strip()
    return {"original": prompt, "prompt": prompt_out, "diff": word_diff(prompt, prompt_out),
            "target": target.key if target else None, "notes": answer.notes}


async def adapt(session: ChatSession, prompt: str, targets: Sequence[Target]
                ) -> dict[str, Any]:
    """One rewrite per target (a fan-out): {"original", "prompts": [enhance results]}.
    A dry-run records every target's request before it stops."""
    results: list[dict[str, Any]] = []
    for target in targets:
        try:
            results.append(await enhance(session, prompt, target, f"enhancer:{target.key}"))
        except DryRunStop:
            continue
    if not session.run.live:
        raise DryRunStop
    return {"original": prompt, "prompts": results}


async def analyze(session: ChatSession, picture: Picture) -> dict[str, Any]:
    """{"image", "theme", "main_subject", "style", "palette", "lighting", "camera_motions",
    "motion_prompts"}: the Scene Maker's analysis, its motion prompts ready for a chain."""
    answer = await session.ask("analyst", [
        ChatMessage("system", say.ANALYST),
        ChatMessage("user", say.analyze_request(picture.label), picture.images)],
        ImageAnalysis, labels=[picture.label])
    return {"image": picture.label, **answer.model_dump()}


async def judge(session: ChatSession, picture: Picture, prompt: str) -> dict[str, Any]:
    """{"asset", "score", "reasons", "model", "source"}: a vision model's opinion of prompt
    adherence, 0-100 (stored beside the local metrics, marked as an opinion)."""
    answer = await session.ask("judge", [
        ChatMessage("system", say.JUDGE),
        ChatMessage("user", say.judge_request(prompt), picture.images)],
        Adherence, labels=[picture.label])
    return {"asset": picture.asset.id if picture.asset else picture.label,
            "score": answer.score, "reasons": answer.reasons,
            "model": session.access.model(vision=True)}
