"""What each model makes of Compose's inputs: the plan its request is built from, and the
marks that say which inputs it cannot take and why, on its panel and in the picker."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from studio.providers.base import ModelInfo, Role, UnknownModel
from studio.ui.compose.input_images import InputImages
from studio.ui.compose.input_plan import Chosen, Plan, plan_inputs

if TYPE_CHECKING:
    from studio.core.service import Studio

Target = tuple[str, str]


class InputMarks:
    def __init__(self, studio: Studio, images: InputImages,
                 checked_models: Callable[[], list[ModelInfo]]) -> None:
        self.studio = studio
        self.images = images
        self.checked_models = checked_models

    def plan(self, model: ModelInfo) -> Plan:
        images = self.images
        return plan_inputs(model, images.chosen(), images.mask_ref, images.mode(),
                           images.outpaint)

    def next_role(self) -> Role:
        """The role a new image gets: the one most checked models take next (the first
        model's on a tie; an input image when none takes one more)."""
        count = len(self.images.chosen())
        probe = [*self.images.chosen(), Chosen("", Role.INPUT)]
        wanted: list[Role] = []
        for model in self.checked_models():
            if count >= model.capabilities.max_reference_images:
                continue
            mode = self.images.mode() or plan_inputs(model, probe).mode
            if mode is not None and mode in model.modes:
                wanted.append(model.input_roles(mode, count + 1)[-1])
        return max(dict.fromkeys(wanted), key=wanted.count) if wanted else Role.INPUT

    def marks(self, targets: Iterable[Target]) -> dict[Target, str]:
        """Why each of these models cannot take some of the inputs (only those that cannot)."""
        images = self.images
        if not images.chosen() and images.mask_ref is None and images.mode() is None:
            return {}
        out: dict[Target, str] = {}
        for pid, mid in targets:
            provider = self.studio.providers.get(pid)
            if provider is None:
                continue
            try:
                model = provider.model(mid)
            except (UnknownModel, KeyError):
                continue
            notes = self.plan(model).notes
            if notes:
                out[(pid, mid)] = "\n".join(dict.fromkeys(notes))
        return out
