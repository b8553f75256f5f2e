"""Modes and input roles: what each input image is to a model, and what Compose may offer."""

import pytest

from studio.providers import registry
from studio.providers.base import MAX_REFERENCES, Kind, Mode, Role
from studio.providers.modes import role_limits, roles_for


def test_edit_modes_are_image_modes_that_need_an_image():
    for mode in (Mode.INPAINT, Mode.OUTPAINT, Mode.UPSCALE, Mode.REMOVE_BACKGROUND):
        assert mode.kind is Kind.IMAGE and mode.needs_image and mode.edits
    assert Mode.STORYBOARD.kind is Kind.VIDEO and not Mode.TXT2IMG.needs_image


@pytest.mark.parametrize(("mode", "count", "roles"), [
    (Mode.IMG2VIDEO, 2, (Role.START_FRAME, Role.END_FRAME)),
    (Mode.IMG2IMG, 3, (Role.INPUT, Role.REFERENCE, Role.REFERENCE)),
    (Mode.TXT2IMG, 2, (Role.REFERENCE, Role.REFERENCE)),
    (Mode.INPAINT, 1, (Role.INPUT,)),
])
def test_roles_by_position(mode, count, roles):
    assert roles_for((), mode, count) == roles


def test_references_are_capped_at_three_and_a_mask_is_one():
    limits = role_limits((Role.REFERENCE,), Mode.TXT2IMG, 9, takes_mask=True)
    assert limits == {Role.REFERENCE: MAX_REFERENCES, Role.MASK: 1}


def test_every_model_answers_why_it_cannot_take_a_role():
    providers = registry()
    kling = providers["fal"].model("fal-ai/kling-video/v2.1/pro/image-to-video")
    assert kling.role_limits(Mode.IMG2VIDEO) == {Role.START_FRAME: 1, Role.END_FRAME: 1}
    assert kling.why_not(Mode.IMG2VIDEO, Role.END_FRAME) is None
    assert kling.why_not(Mode.IMG2VIDEO, Role.MASK).endswith("takes no mask")
    schnell = providers["fal"].model("fal-ai/flux/schnell")
    assert "no reference" in schnell.why_not(Mode.TXT2IMG, Role.REFERENCE)
    assert "has no inpaint mode" in schnell.why_not(Mode.INPAINT, Role.INPUT)
    for provider in providers.values():
        for model in provider.models.values():
            for mode in model.modes:
                assert model.role_limits(mode).get(Role.REFERENCE, 0) <= MAX_REFERENCES
