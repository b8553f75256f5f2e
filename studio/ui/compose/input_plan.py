"""Which of Compose's chosen inputs each model gets, in which mode, and why it cannot take
the others. Inputs have roles (input image, reference, start or end frame); a model takes
images by position (ModelInfo.input_roles), so the plan fills its slots in order with the
inputs of each slot's role. No Qt: the panels, the picker and the tests read the same."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from studio.core.iteration import OUTPAINT_SIDES
from studio.providers.base import Mode, ModelInfo, Role
from studio.ui.iterate.request import ROLE_LABELS, Outpaint

# What Compose tries first when a model has several modes and no mode is chosen.
PREFERENCE = (Mode.IMG2IMG, Mode.IMG2VIDEO, Mode.STORYBOARD, Mode.TXT2IMG, Mode.TXT2VIDEO,
              Mode.INPAINT, Mode.OUTPAINT, Mode.UPSCALE, Mode.REMOVE_BACKGROUND)


@dataclass(frozen=True)
class Chosen:
    """An input image and the role the artist gave it."""
    ref: str  # asset:<id>, a file or an https:// URL
    role: Role


@dataclass
class Plan:
    """The mode, images and parameters a model gets from the chosen inputs."""
    mode: Mode | None  # None: the model's own default (no inputs)
    images: list[str] = field(default_factory=list)
    mask: str | None = None
    params: dict[str, int] = field(default_factory=dict)  # outpaint sides, own fields
    refused: list[tuple[str, str]] = field(default_factory=list)  # (ref, why)

    @property
    def notes(self) -> list[str]:
        return [why for _ref, why in self.refused]


def label(role: Role, n: int = 1) -> str:
    text = ROLE_LABELS.get(role, role.value)
    return text if n == 1 else f"{text}s"


def a(role: Role) -> str:
    text = label(role)
    return f"{'an' if text[0] in 'aeiou' else 'a'} {text}"


def plan_inputs(model: ModelInfo, inputs: Sequence[Chosen], mask: str | None = None,
                mode: Mode | None = None, outpaint: Outpaint | None = None) -> Plan:
    if mode is not None:
        return _place(model, mode, inputs, mask, outpaint)
    if not inputs and mask is None:
        return Plan(None)
    order = ([Mode.INPAINT, Mode.OUTPAINT] if mask else []) + list(PREFERENCE)
    candidates = [m for m in dict.fromkeys(order) if m in model.modes]
    plans = [_place(model, m, inputs, mask, outpaint) for m in candidates]
    return min(plans, key=lambda p: len(p.refused))  # the first of the best


def _place(model: ModelInfo, mode: Mode, inputs: Sequence[Chosen], mask: str | None,
           outpaint: Outpaint | None) -> Plan:
    plan = Plan(mode)
    if mode not in model.modes:
        why = model.why_not(mode, Role.INPUT) or f"{model.name} has no {mode.value} mode"
        plan.refused = [(c.ref, why) for c in inputs] + ([(mask, why)] if mask else [])
        plan.refused = plan.refused or [("", why)]
        return plan
    own_sides = set(OUTPAINT_SIDES) <= set(model.params.model_fields)
    if mode is Mode.OUTPAINT and outpaint is not None and own_sides:
        # Stability and Firefly grow the picture themselves: the source and the sides.
        inputs = [Chosen(outpaint.source, Role.INPUT), *inputs[1:]]
        plan.params = outpaint.extension.as_params()
        mask = None
    limits = model.role_limits(mode)
    slots = model.input_roles(mode, max(0, model.capabilities.max_reference_images))
    left = list(inputs)
    taken: dict[Role, int] = {}
    blocked: Role | None = None
    for slot in slots:
        pick = next((c for c in left if c.role is slot), None)
        if pick is None or taken.get(slot, 0) >= limits.get(slot, 0):
            blocked = slot if pick is None else None
            break
        left.remove(pick)
        plan.images.append(pick.ref)
        taken[slot] = taken.get(slot, 0) + 1
    for chosen in left:
        plan.refused.append((chosen.ref, _why(model, mode, chosen.role, limits, taken,
                                              blocked)))
    if mask is not None:
        if limits.get(Role.MASK):
            plan.mask = mask
        else:
            plan.refused.append((mask, model.why_not(mode, Role.MASK) or
                                 f"{model.name} takes no mask"))
    return plan


def _why(model: ModelInfo, mode: Mode, role: Role, limits: dict[Role, int],
         taken: dict[Role, int], blocked: Role | None) -> str:
    if not limits.get(role):
        why = model.why_not(mode, role) or f"{model.name} takes no {label(role)}"
        if role is Role.INPUT and limits.get(Role.START_FRAME):
            why += " (use the image as its start frame)"
        return why
    if taken.get(role, 0) >= limits[role]:
        n = limits[role]
        return f"{model.name} takes at most {n} {label(role, n)}"
    if blocked is not None:
        return f"{model.name} takes {a(role)} only after {a(blocked)}"
    return f"{model.name} takes no more images"
