"""Modes of a job and the roles its input images play.

A mode says what a job does (text-to-image, inpaint, upscale, ...); a role says what one
input image is to it (the image to edit, a style reference, a video's start or end frame,
a mask). Roles are what lineage records and what Compose shows next to each thumbnail.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from studio.providers.info import Kind

# The most references any model is offered (the Ad Mint pipeline uses three).
MAX_REFERENCES = 3


class Mode(StrEnum):
    TXT2IMG = "txt2img"
    IMG2IMG = "img2img"
    TXT2VIDEO = "txt2video"
    IMG2VIDEO = "img2video"
    STORYBOARD = "storyboard"
    INPAINT = "inpaint"
    OUTPAINT = "outpaint"
    UPSCALE = "upscale"
    REMOVE_BACKGROUND = "remove_background"

    @property
    def kind(self) -> Kind:
        return Kind.VIDEO if self in _VIDEO else Kind.IMAGE

    @property
    def needs_image(self) -> bool:
        """An input image is the thing this mode works on."""
        return self in _NEEDS_IMAGE

    @property
    def edits(self) -> bool:
        """The output is an edit of the input image (its parent in lineage)."""
        return self in _EDITS


_VIDEO = frozenset({Mode.TXT2VIDEO, Mode.IMG2VIDEO, Mode.STORYBOARD})
_EDITS = frozenset({Mode.INPAINT, Mode.OUTPAINT, Mode.UPSCALE, Mode.REMOVE_BACKGROUND})
_NEEDS_IMAGE = frozenset({Mode.IMG2IMG, Mode.IMG2VIDEO, *_EDITS})


class Role(StrEnum):
    INPUT = "input"  # the image a job edits or starts from
    REFERENCE = "reference"  # a style / subject reference
    START_FRAME = "start_frame"
    END_FRAME = "end_frame"
    MASK = "mask"
    # An asset the studio made from another without a provider (a saved frame, a painted
    # mask, an extended canvas): the other asset is its source.
    SOURCE = "source"


def default_roles(mode: Mode) -> tuple[Role, ...]:
    """What each input image is, by position, unless the model declares otherwise; the
    last role repeats for any further image."""
    if mode in (Mode.IMG2VIDEO, Mode.TXT2VIDEO):  # a video model's images are its frames
        return (Role.START_FRAME, Role.END_FRAME, Role.REFERENCE)
    if mode is Mode.TXT2IMG:
        return (Role.REFERENCE,)
    if mode is Mode.STORYBOARD:
        return (Role.INPUT,)  # keyframes, in order
    return (Role.INPUT, Role.REFERENCE)


def roles_for(declared: Sequence[Role], mode: Mode, count: int) -> tuple[Role, ...]:
    """The role of each of `count` input images (not the mask)."""
    pattern = tuple(declared) or default_roles(mode)
    return tuple(pattern[min(i, len(pattern) - 1)] for i in range(count))


def role_limits(declared: Sequence[Role], mode: Mode, max_images: int,
                takes_mask: bool) -> dict[Role, int]:
    """How many images of each role a model takes in a mode (references: MAX_REFERENCES at
    most): what Compose offers, and what it marks as not possible."""
    limits: dict[Role, int] = {}
    for role in roles_for(declared, mode, max(0, max_images)):
        limits[role] = limits.get(role, 0) + 1
    if Role.REFERENCE in limits:
        limits[Role.REFERENCE] = min(limits[Role.REFERENCE], MAX_REFERENCES)
    if takes_mask:
        limits[Role.MASK] = 1
    return limits


__all__ = ["MAX_REFERENCES", "Mode", "Role", "default_roles", "role_limits", "roles_for"]
