"""How each family of models likes its prompts: the hints the prompt assistant gives a
language model when it rewrites a prompt for one target.

Editorial guidance distilled from each family's own prompting guide (the `source`), not an
API fact: nothing is sent to a provider because of it. A model is matched by the first
family whose words appear in its id (then its provider's id), else by its kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.providers.info import Kind


@dataclass(frozen=True)
class PromptHint:
    family: str
    text: str
    source: str


_RUNWAY_GUIDE = ("https://help.runwayml.com/hc/en-us/articles/"
                 "39789879462419-Gen-4-Prompting-Guide")

# (words any of which in "<provider>:<model>" select the family, hint); first match wins.
FAMILIES: tuple[tuple[tuple[str, ...], PromptHint], ...] = (
    (("flux",), PromptHint(
        "FLUX", "Write plain natural-language sentences, subject first, then action, "
        "setting, composition, lighting and style; camera and lens terms help. FLUX has no "
        "negative prompt: say what should be there, never what to avoid. No weights, no tag "
        "lists. Put any text to render in quotes.",
        "https://docs.bfl.ai/guides/prompting_guide_t2i")),
    (("sdxl",), PromptHint(
        "Stable Diffusion XL", "Short descriptive phrases separated by commas work well: "
        "subject, medium, style, lighting, colour, detail. Put the most important words "
        "first (the text encoder reads about 75 tokens). Things to avoid belong in the "
        "negative prompt, not here.",
        "https://huggingface.co/docs/diffusers/using-diffusers/sdxl")),
    (("sd3", "stability:ultra", "stability:core"), PromptHint(
        "Stable Diffusion 3.5 / Stable Image", "Descriptive natural language: subject, "
        "style, composition, lighting, colour and mood, in that order of importance. Name "
        "the medium (photograph, oil painting, 3D render). Things to avoid go in the "
        "negative prompt.",
        "https://stability.ai/learning-hub/stable-diffusion-3-5-prompt-guide")),
    (("gen4_image",), PromptHint(
        "Runway Gen-4 Image", "Describe the picture in natural language: subject, setting, "
        "composition, lighting and style. Reference images are named with @tags in the "
        "prompt.", "https://docs.dev.runwayml.com/guides/using-the-api/")),
    (("gen4", "gen4.5"), PromptHint(
        "Runway Gen-4", "Keep it simple and describe motion: what the subject does, how "
        "the camera moves, how the scene reacts, then a style word or two. With an input "
        "image, do not describe what the image already shows; call the subject 'the "
        "subject'. Positive phrasing only, no negatives.", _RUNWAY_GUIDE)),
    (("veo",), PromptHint(
        "Veo", "One shot described as subject, action, setting, camera motion and framing, "
        "style and ambience; sound and short dialogue may be described in words.",
        "https://cloud.google.com/vertex-ai/generative-ai/docs/video/video-gen-prompt-guide")),
    (("kling", "wan", "pixverse", "pika"), PromptHint(
        "Open video models (Kling, Wan, PixVerse, Pika)", "One continuous shot: the "
        "subject, one clear action with concrete motion verbs, the camera move (push in, "
        "pan left, orbit, handheld), the setting and the light. Keep to one or two "
        "sentences; avoid lists of unrelated details.",
        "https://fal.ai/models/fal-ai/kling-video/v2.1/master/text-to-video")),
    (("ray", "luma"), PromptHint(
        "Luma Ray / Photon", "Natural language, as you would brief a cinematographer: the "
        "scene, the subject's action and the camera's motion ('the camera slowly pushes "
        "in'), with lighting and style.",
        "https://docs.lumalabs.ai/docs/video-generation")),
    (("firefly",), PromptHint(
        "Adobe Firefly", "At least three descriptive words: subject, setting, style, "
        "lighting and mood. Avoid brand names, trademarks and named living artists.",
        "https://helpx.adobe.com/firefly/get-set-up/learn-the-basics/writing-effective-"
        "text-prompts.html")),
)
GENERIC = {
    Kind.IMAGE: PromptHint("image models", "A clear subject, then setting, composition, "
                           "lighting, colour and style, in plain descriptive language.",
                           "https://platform.openai.com/docs/guides/image-generation"),
    Kind.VIDEO: PromptHint("video models", "One shot: subject, action, camera motion, "
                           "setting, lighting and style; motion in concrete verbs.",
                           _RUNWAY_GUIDE),
}


def prompt_hint(provider_id: str, model_id: str, kind: Kind) -> PromptHint:
    """The hint for one target model."""
    key = f"{provider_id}:{model_id}".lower()
    for words, hint in FAMILIES:
        if any(w in key for w in words):
            return hint
    return GENERIC[kind]
