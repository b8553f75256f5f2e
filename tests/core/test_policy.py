"""Live/dry-run decisions and the content policy gate."""

import pytest

from studio.core.config import Settings, set_value
from studio.core.policy import decide
from studio.core.requests import RequestError, check_request
from studio.core.secrets import KeyLookup, KeySource
from studio.providers import registry
from studio.providers.base import Family, RenderRequest

KEY = KeyLookup("k" * 20, KeySource.KEYRING)
NO_KEY = KeyLookup(None, KeySource.NONE, "FAL_KEY is not set")


@pytest.mark.parametrize(("flag", "key", "live", "status"), [
    (False, NO_KEY, False, "missing-credentials"),
    (True, NO_KEY, False, "missing-credentials"),
    (False, KEY, False, "dry-run"),
    (True, KEY, True, "live"),
])
def test_live_only_with_flag_and_key(flag, key, live, status):
    settings = set_value(Settings(), "features.enable_public_image_providers",
                         "true" if flag else "false")
    d = decide(Family.PUBLIC_IMAGE, settings, key)
    assert (d.live, d.status) == (live, status)
    assert d.reason
    # The video flag is separate.
    assert not decide(Family.PUBLIC_VIDEO, settings, key).live


def _req(**params):
    return RenderRequest(provider="fal", model="fal-ai/flux/dev", prompt="x", params=params)


def test_weakening_a_safety_filter_needs_confirmation():
    with pytest.raises(RequestError) as info:
        check_request(_req(enable_safety_checker=False), registry())
    assert info.value.errors[0].field == "params.enable_safety_checker"
    assert "confirm" in info.value.errors[0].message
    confirmed = _req(enable_safety_checker=False).model_copy(
        update={"confirm_weaker_safety": True})
    assert check_request(confirmed, registry()).params.enable_safety_checker is False
    assert check_request(_req(enable_safety_checker=False), registry(),
                         allow_weaker_safety=True)


def test_stricter_tolerance_is_fine_but_looser_is_gated():
    pro = RenderRequest(provider="fal", model="fal-ai/flux-pro/v1.1", prompt="x",
                        params={"safety_tolerance": "1"})
    assert check_request(pro, registry())
    looser = pro.model_copy(update={"params": {"safety_tolerance": "5"}})
    with pytest.raises(RequestError, match="safety_tolerance"):
        check_request(looser, registry())


def test_image_modes_and_minimum_image_counts_are_checked_before_sending():
    frames = RenderRequest(provider="pika", model="fal-ai/pika/v2.2/pikaframes", prompt="x",
                           input_images=["/nonexistent.png"])
    with pytest.raises(RequestError, match="needs 2 input images"):
        check_request(frames, registry(), load_images=False)
    i2i = RenderRequest(provider="stability", model="ultra", mode="img2img", prompt="x")
    with pytest.raises(RequestError, match="needs an input image in img2img mode"):
        check_request(i2i, registry(), load_images=False)
