"""What an iterate action asks Compose to hold: images with the role each plays, and for a
painted mask the mask, the mode and (outpaint) the canvas's source and sides. Plain data:
the Gallery, Viewer, Compare, Inspector and mask editor make these; Compose takes them."""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.inputs import ASSET_PREFIX
from studio.core.masks import Extension
from studio.providers.base import Mode, Role

Target = tuple[str, str]  # (provider id, model id)

ROLE_LABELS = {Role.INPUT: "input", Role.REFERENCE: "reference",
               Role.START_FRAME: "start frame", Role.END_FRAME: "end frame",
               Role.MASK: "mask", Role.SOURCE: "source"}
# What an output can become in Compose, in menu order: (role, menu text).
USES = [(Role.INPUT, "Use as input image"), (Role.REFERENCE, "Add as reference"),
        (Role.START_FRAME, "Use as start frame"), (Role.END_FRAME, "Use as end frame")]


def asset_ref(asset_id: str) -> str:
    return f"{ASSET_PREFIX}{asset_id}"


def asset_id_of(ref: str) -> str | None:
    return ref[len(ASSET_PREFIX):] if ref.startswith(ASSET_PREFIX) else None


@dataclass(frozen=True)
class Outpaint:
    """An extended canvas's source image and how far it grew: models with their own
    left/right/up/down fields (Stability, Firefly) get these instead of canvas + mask."""

    source: str
    extension: Extension


@dataclass(frozen=True)
class InputsRequest:
    """Images (and a mask) for Compose to take as inputs."""
    refs: tuple[str, ...] = ()  # asset:<id>, a file path or an https:// URL
    role: Role = Role.INPUT
    mode: Mode | None = None  # None: each model's own choice
    mask: str | None = None
    outpaint: Outpaint | None = None
    replace: bool = False  # True: these replace what Compose holds (a mask edit)
    targets: tuple[Target, ...] = ()  # models to check in Compose as well
