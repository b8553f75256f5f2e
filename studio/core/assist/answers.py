"""The answers the assistant asks for, as pydantic models, and their JSON schemas in the
strict form structured outputs need (every object closed, every property required).

A model's answer is parsed and validated against the same model: the schema and the check
cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

A = TypeVar("A", bound=BaseModel)


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnhancedPrompt(Answer):
    prompt: str = Field(min_length=1, max_length=4000,
                        description="The rewritten prompt, ready to send")
    notes: list[str] = Field(max_length=6,
                             description="What changed and why, one short line each")


class Colour(Answer):
    name: str = Field(description="A plain colour name")
    hex: str = Field(description="The colour as #rrggbb")


class ImageAnalysis(Answer):
    theme: str = Field(description="The image's theme in a few words")
    main_subject: str = Field(description="The main subject")
    style: str = Field(description="Medium and visual style")
    palette: list[Colour] = Field(min_length=1, max_length=6,
                                  description="Dominant colours, most prominent first")
    lighting: str = Field(description="Light quality, direction and time of day")
    camera_motions: list[str] = Field(min_length=1, max_length=5,
                                      description="Camera moves that would suit this image")
    motion_prompts: list[str] = Field(min_length=1, max_length=5,
                                      description="Image-to-video prompts animating it, one "
                                      "shot each")


class SceneAnswer(Answer):
    prompt: str = Field(min_length=1, description="The scene's generation prompt")
    duration_seconds: float = Field(ge=1, le=20, description="Length of the clip")
    notes: str = Field(description="Direction for this scene: intent, framing, continuity")


class Critique(Answer):
    score: int = Field(ge=0, le=100, description="How good the draft is for the brief")
    strengths: list[str] = Field(min_length=1, max_length=5)
    improvements: list[str] = Field(max_length=5, description="What to change, concretely")
    verdict: Literal["approved", "needs_revision"]


class Transition(Answer):
    transition: str = Field(description="How this scene hands over to the next: cut, "
                            "match cut, dissolve, whip pan, ...")
    note: str = Field(description="Why, and what must match across the cut")


class Adherence(Answer):
    score: int = Field(ge=0, le=100, description="How closely the output follows the "
                       "prompt: 100 = every element present and right")
    reasons: list[str] = Field(min_length=1, max_length=6,
                               description="What matches and what is missing or wrong")


def story_draft(scenes: int) -> type[Answer]:
    """The Director's draft with exactly `scenes` scenes."""
    return create_model(
        "StoryDraft", __base__=Answer,
        title=(str, Field(description="A working title")),
        story=(str, Field(description="The story in a short paragraph")),
        scenes=(list[SceneAnswer], Field(min_length=scenes, max_length=scenes)),
    )


def cohesion(scenes: int) -> type[Answer]:
    """The Cohesion pass: one transition between each pair of consecutive scenes."""
    return create_model(
        "Cohesion", __base__=Answer,
        transitions=(list[Transition], Field(min_length=scenes - 1, max_length=scenes - 1,
                                             description="Scene 1 to 2, 2 to 3, ...")),
        overall=(str, Field(description="How the scenes hold together as one piece")),
    )


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with every object closed and all its properties required;
    titles and defaults dropped (strict mode refuses some of them)."""
    schema: dict[str, Any] = _strict(model.model_json_schema())
    return schema


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("title", "default"):
            continue
        if key in ("properties", "$defs"):  # names here are fields, not keywords
            out[key] = {name: _strict(sub) for name, sub in value.items()}
        else:
            out[key] = _strict(value)
    if out.get("type") == "object":
        out["additionalProperties"] = False
        out["required"] = list(out.get("properties", {}))
    return out


def schema_name(model: type[BaseModel]) -> str:
    return model.__name__.lower()


def parse_answer(text: str, model: type[A]) -> A:
    """The answer's JSON as `model`. Tolerates a Markdown code fence around it (local
    models add one); raises ValueError (pydantic's ValidationError is one) otherwise."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    json.loads(body)  # a clear "not JSON" before pydantic's field errors
    return model.model_validate_json(body)
