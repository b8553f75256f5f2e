"""*Write storyboard*: a Director drafts the story and its scenes from a brief (and
reference images), a Critic scores each draft (score, strengths, improvements, approved or
needs revision) for up to K rounds, then a Cohesion pass notes the transitions.

The Director revises while the Critic asks for it. A draft is approved when the Critic
says so with a score of at least `approve_at`; after K rounds the last draft stands,
marked not approved. The whole conversation is kept in the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from studio.core.assist import instructions as say
from studio.core.assist.answers import Critique, cohesion, story_draft
from studio.core.assist.images import Picture
from studio.core.assist.session import ChatSession, dumps
from studio.core.assist.storyboard import SceneDraft, StoryboardDraft
from studio.providers.chat import ChatMessage

MAX_SCENES = 24


@dataclass(frozen=True)
class StoryBrief:
    brief: str
    scenes: int
    references: Sequence[Picture] = ()
    rounds: int = 3
    approve_at: int = 70

    def __post_init__(self) -> None:
        if not self.brief.strip():
            raise ValueError("the brief is empty: say what the story is about")
        if not 1 <= self.scenes <= MAX_SCENES:
            raise ValueError(f"scenes must be from 1 to {MAX_SCENES}, not {self.scenes}")
        if not 1 <= self.rounds <= 10:
            raise ValueError("rounds must be from 1 to 10")


async def write_storyboard(session: ChatSession, job: StoryBrief) -> dict[str, Any]:
    """{"brief", "scenes_requested", "rounds", "approved", "storyboard", "critiques",
    "cohesion", "conversation"}"""
    draft_model = story_draft(job.scenes)
    images = tuple(i for p in job.references for i in p.images)
    labels = [p.label for p in job.references]
    new = [ChatMessage("system", say.DIRECTOR),
           ChatMessage("user", say.director_request(job.brief, job.scenes, labels), images)]
    critiques: list[dict[str, Any]] = []
    approved = False
    critic_intro: list[ChatMessage] = [ChatMessage("system", say.CRITIC)]
    for round_no in range(1, job.rounds + 1):
        draft = await session.ask("director", new, draft_model, labels=labels)
        draft_json = dumps(draft.model_dump())
        review = await session.ask("critic", [*critic_intro, ChatMessage(
            "user", say.critic_request(job.brief, draft_json, round_no, job.rounds))],
            Critique)
        critic_intro = []
        approved = review.verdict == "approved" and review.score >= job.approve_at
        critiques.append({"round": round_no, **review.model_dump(), "approved": approved})
        if approved or round_no == job.rounds:
            break
        new = [ChatMessage("user", say.revision_request(dumps(review.model_dump())))]
    notes = await session.ask("cohesion", [
        ChatMessage("system", say.COHESION), ChatMessage("user", say.cohesion_request(
            draft_json))], cohesion(job.scenes))
    data, links = draft.model_dump(), notes.model_dump()
    scenes = [SceneDraft(index=i + 1, prompt=s["prompt"].strip(),
                         duration_seconds=s["duration_seconds"], notes=s["notes"],
                         transition=_link(links, i, "transition"),
                         transition_note=_link(links, i, "note"))
              for i, s in enumerate(data["scenes"])]
    storyboard = StoryboardDraft(
        title=data["title"], brief=job.brief, story=data["story"], scenes=scenes,
        reference_images=labels, approved=approved, critic_score=critiques[-1]["score"],
        rounds=len(critiques), cohesion=links["overall"])
    return {"brief": job.brief, "scenes_requested": job.scenes, "rounds": len(critiques),
            "approved": approved, "storyboard": storyboard.model_dump(mode="json"),
            "critiques": critiques, "cohesion": links,
            "conversation": session.run.conversation}


def _link(links: dict[str, Any], index: int, key: str) -> str:
    transitions = links.get("transitions") or []
    return str(transitions[index][key]) if index < len(transitions) else ""
