"""The request of one stage of one scene: the keyframe (the scene's image model, the
storyboard's reference images where the model takes them) and the clip (the scene's video
model in image-to-video mode, the keyframe as its start frame). Pure: nothing is sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from studio.core.compare.adapt import Brief, Target, adapt
from studio.core.sequences.storyboard_spec import ModelChoice, SceneSpec, StoryboardSpec
from studio.providers.base import Mode, ModelInfo, Provider, RenderRequest, Role, UnknownModel

# What a dry-run clip records as its start frame when the keyframe is not known yet.
KEYFRAME_PLACEHOLDER = "keyframe-of-scene-{n}.png"


class StageError(ValueError):
    """A stage that cannot be built (unknown model, a model that cannot animate an image)."""


@dataclass(frozen=True)
class StageRequest:
    request: RenderRequest
    notes: tuple[str, ...] = ()  # references a model could not take, and why


def with_notes(prompt: str, notes: str) -> str:
    """The prompt a Regenerate's notes edit: the notes follow the scene's prompt."""
    notes = notes.strip()
    if not notes:
        return prompt
    return f"{prompt.rstrip().rstrip('.')}. {notes}"


def model_info(providers: Mapping[str, Provider], choice: ModelChoice) -> ModelInfo:
    provider = providers.get(choice.provider)
    if provider is None:
        known = ", ".join(sorted(providers))
        raise StageError(f"unknown provider {choice.provider!r}; known: {known}")
    try:
        return provider.model(choice.model)
    except UnknownModel as exc:
        raise StageError(exc.message) from None


def place(model: ModelInfo, mode: Mode, wanted: Sequence[tuple[str, Role]]
          ) -> tuple[list[str], list[str]]:
    """The model's image slots (in order) filled with the wanted images of each slot's
    role; (images, why the others were left out). Compose's rule, without Qt."""
    limits = model.role_limits(mode)
    slots = model.input_roles(mode, max(0, model.capabilities.max_reference_images))
    left = list(wanted)
    images: list[str] = []
    taken: dict[Role, int] = {}
    for slot in slots:
        pick = next((w for w in left if _fits(w[1], slot)), None)
        if pick is None or taken.get(slot, 0) >= limits.get(slot, 0):
            break
        left.remove(pick)
        images.append(pick[0])
        taken[slot] = taken.get(slot, 0) + 1
    why = [f"{model.name} does not take {ref} as a {role.value.replace('_', ' ')}"
           for ref, role in left]
    return images, why


def _fits(role: Role, slot: Role) -> bool:
    # A model whose image-to-video slot is its "input" takes the keyframe there.
    return role is slot or (role is Role.START_FRAME and slot is Role.INPUT)


def keyframe_request(providers: Mapping[str, Provider], spec: StoryboardSpec,
                     scene: SceneSpec, notes: str = "") -> StageRequest:
    choice = spec.image_model_of(scene)
    model = model_info(providers, choice)
    prompt = with_notes(scene.keyframe_prompt or scene.prompt, notes)
    brief = Brief(prompt=prompt, seed=scene.seed, aspect=spec.aspect)
    adapted = adapt(brief, Target(provider=choice.provider, model=choice.model,
                                  params=choice.params), model)
    request = adapted.request
    why: list[str] = []
    if spec.reference_images:
        mode = request.mode or model.modes[0]
        images, why = place(model, mode, [(r, Role.REFERENCE) for r in spec.reference_images])
        request = request.model_copy(update={"input_images": images, "mode": mode})
    return StageRequest(request, tuple(why))


def clip_request(providers: Mapping[str, Provider], spec: StoryboardSpec, scene: SceneSpec,
                 keyframe: str, notes: str = "", end_frame: str | None = None) -> StageRequest:
    """The clip: `keyframe` animated by the scene's video model, ending on `end_frame`
    (the next scene's keyframe) when one is given."""
    choice = spec.video_model_of(scene)
    model = model_info(providers, choice)
    if Mode.IMG2VIDEO not in model.modes:
        raise StageError(f"{choice.label} cannot animate a keyframe (it has no "
                         "image-to-video mode): pick an image-to-video model for the clip")
    brief = Brief(prompt=with_notes(scene.prompt, notes), seed=scene.seed, aspect=spec.aspect,
                  duration=scene.duration_seconds)
    adapted = adapt(brief, Target(provider=choice.provider, model=choice.model,
                                  params=choice.params), model)
    wanted = [(keyframe, Role.START_FRAME)]
    if end_frame is not None:
        refused = model.why_not(Mode.IMG2VIDEO, Role.END_FRAME)
        if refused is not None:
            raise StageError(f"{refused}: turn off \"End on the next keyframe\" for this scene, "
                             "or pick a video model that takes one")
        wanted.append((end_frame, Role.END_FRAME))
    wanted += [(r, Role.REFERENCE) for r in spec.reference_images]
    images, why = place(model, Mode.IMG2VIDEO, wanted)
    if not images or images[0] != keyframe:
        raise StageError(f"{choice.label} takes no start frame in image-to-video mode")
    if end_frame is not None and images[1:2] != [end_frame]:
        raise StageError(f"{choice.label} takes no end frame after its start frame")
    request = adapted.request.model_copy(update={"input_images": images,
                                                 "mode": Mode.IMG2VIDEO})
    return StageRequest(request, tuple(why))
