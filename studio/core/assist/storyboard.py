"""What *Write storyboard* produces: a storyboard draft the artist edits before anything
is rendered. The sequences work (issue 14) has no storyboard model yet; it can import
`StoryboardDraft` (`model_validate` of a run's `result["storyboard"]`) when it lands.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SceneDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=1, description="1-based position in the storyboard")
    prompt: str = Field(min_length=1, description="The scene's generation prompt")
    duration_seconds: float = Field(gt=0, le=60)
    notes: str = Field("", description="The Director's notes for this scene")
    transition: str = Field("", description="Into the next scene (the Cohesion pass); "
                            "empty for the last")
    transition_note: str = ""


class StoryboardDraft(BaseModel):
    """A draft, never a render: nothing is sent until the artist turns it into jobs."""

    model_config = ConfigDict(extra="forbid")

    schema_name: Literal["provider-studio/storyboard-draft"] = \
        "provider-studio/storyboard-draft"
    version: Literal[1] = 1
    title: str
    brief: str
    story: str
    scenes: list[SceneDraft] = Field(min_length=1)
    reference_images: list[str] = Field(default_factory=list)
    approved: bool = Field(description="The Critic approved the final draft")
    critic_score: int | None = Field(None, ge=0, le=100)
    rounds: int = Field(ge=1, description="Director/Critic rounds it took")
    cohesion: str = Field("", description="How the scenes hold together (the Cohesion "
                          "pass)")

    @property
    def duration_seconds(self) -> float:
        return sum(s.duration_seconds for s in self.scenes)
