"""'Use these settings' in Compose: a stored request back in the form, exactly: the
prompt, the seed the provider used, the inputs (by asset id) with the roles they played,
the mask, an edit's mode, the model and its params. Nothing is sent."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from studio.core.inputs import is_url
from studio.providers.base import Mode, Role
from studio.ui.catalog import ModelPicker
from studio.ui.compose.input_images import InputImages
from studio.ui.compose.prompt_box import PromptBox
from studio.ui.compose.targets import Target, TargetPanel
from studio.ui.iterate.request import asset_id_of

if TYPE_CHECKING:
    from studio.core.service import Studio


class ComposeForm(Protocol):
    """What recalling fills of the Compose tab (its module imports this one)."""

    @property
    def studio(self) -> Studio: ...

    @property
    def box(self) -> PromptBox: ...

    @property
    def targets(self) -> ModelPicker: ...

    @property
    def panels(self) -> dict[Target, TargetPanel]: ...


def usable(studio: Studio, ref: str) -> bool:
    """An input that can still be sent: an asset of this studio, a URL, an existing file."""
    asset_id = asset_id_of(ref)
    if asset_id is not None:
        return studio.asset(asset_id) is not None
    return is_url(ref) or Path(ref).expanduser().is_file()


def fill_compose(form: ComposeForm, data: dict[str, Any]) -> None:
    studio = form.studio
    images: InputImages = form.box.images
    refs = [r for r in data.get("input_images") or [] if usable(studio, r)]
    form.box.fill(data.get("prompt") or "", data.get("negative_prompt"), data.get("seed"),
                  [])
    target = (str(data.get("provider") or ""), str(data.get("model") or ""))
    roles: list[Role] | None = None
    mode = _mode(data.get("mode"))
    if form.targets.set_checked(target):  # creates the panel synchronously
        panel = form.panels[target]
        panel.form.reset()
        panel.form.set_values(data.get("params") or {})
        if mode is not None and mode in panel.model.modes:
            roles = list(panel.model.input_roles(mode, len(refs)))
    images.set_paths(refs, roles)
    mask = data.get("mask")
    images.set_mask(mask if mask and usable(studio, mask) else None)
    # An edit's mode is kept; for the others each model chooses again from the inputs.
    images.set_mode(mode if mode is not None and mode.edits else None)


def _mode(value: Any) -> Mode | None:
    try:
        return Mode(value) if value else None
    except ValueError:
        return None
