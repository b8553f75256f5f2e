"""What the assistant's agents are told (their system messages) and how each request is
worded. Plain text, in one place, so a change of tone is one edit."""

from __future__ import annotations

from studio.providers.prompt_hints import PromptHint

ENHANCER = (
    "You improve prompts for image and video generation models. Keep the artist's subject, "
    "intent and every concrete detail they gave; add what the target model needs to render "
    "it well (composition, lighting, style, and for video: motion and camera) without "
    "inventing a different picture. Answer with JSON only.")

ANALYST = (
    "You are the scene analyst of a video studio. Look at the image and describe its theme, "
    "main subject, visual style, dominant colours (#rrggbb), and lighting; then suggest "
    "camera motions that suit it and image-to-video prompts, one shot each, that animate "
    "this image as it is. Answer with JSON only.")

DIRECTOR = (
    "You are the Director of a short film. From the brief (and any reference images) you "
    "write the story and break it into the requested number of scenes. Each scene gets a "
    "self-contained generation prompt (subject, action, setting, camera, light, style: "
    "the model sees one scene at a time), a duration in seconds and direction notes. "
    "Keep characters, wardrobe, palette and style consistent across scenes. When the "
    "Critic reviews a draft, revise it to address every improvement. Answer with JSON "
    "only.")

CRITIC = (
    "You are the Critic. Score the Director's storyboard draft against the brief from 0 to "
    "100: does it tell the brief's story, are the scenes visual and generatable, is it "
    "consistent from scene to scene, does it fit the durations? Name its strengths and "
    "concrete improvements. Say 'approved' only when it is ready to render; otherwise "
    "'needs_revision'. Answer with JSON only.")

COHESION = (
    "You are the editor. For each pair of consecutive scenes, choose the transition (cut, "
    "match cut, dissolve, whip pan, ...) and note what must match across it (subject, "
    "screen direction, light, colour). Then say in one sentence how the piece holds "
    "together. Answer with JSON only.")

JUDGE = (
    "You judge how closely a generated image or video frame follows the prompt it was made "
    "from. Check every element of the prompt (subject, count, attributes, action, setting, "
    "style, text) against what you see. Score 0-100 (100 = everything present and right) "
    "and give short reasons: what matches, what is missing or wrong. Judge adherence only, "
    "not taste. Answer with JSON only.")


def enhance_request(prompt: str, target: str | None, hint: PromptHint | None) -> str:
    lines = [f"Prompt: {prompt}"]
    if target and hint:
        lines.append(f"Target model: {target} ({hint.family}). How it likes prompts: "
                     f"{hint.text}")
    lines.append("Rewrite the prompt for this target; list what you changed in notes.")
    return "\n".join(lines)


def analyze_request(label: str) -> str:
    return f"Analyze this image ({label}) for a chain of image-to-video shots."


def director_request(brief: str, scenes: int, labels: list[str]) -> str:
    refs = (f" Reference images (in order): {', '.join(labels)}." if labels else "")
    return (f"Brief: {brief}\nWrite the story in exactly {scenes} scene"
            f"{'s' if scenes != 1 else ''}.{refs}")


def critic_request(brief: str, draft_json: str, round_no: int, rounds: int) -> str:
    return (f"Brief: {brief}\nDraft {round_no} of at most {rounds}:\n{draft_json}\n"
            "Review it.")


def revision_request(critique_json: str) -> str:
    return (f"The Critic's review of your draft:\n{critique_json}\nRevise the storyboard, "
            "keeping the same number of scenes.")


def cohesion_request(draft_json: str) -> str:
    return f"The approved storyboard:\n{draft_json}\nNote the transitions between scenes."


def judge_request(prompt: str) -> str:
    return f"The prompt was: {prompt}\nHow closely does this output follow it?"
