"""The catalog's default price per model, taken from the declared defaults without
building each model's validator (start-up), is the price the validated defaults give."""

from __future__ import annotations

from dataclasses import replace

from pydantic import ValidationError

from studio.core.catalog import _default_price
from studio.providers import registry
from studio.providers.pricing import Price


def _validated_price(model) -> dict:
    try:
        return model.estimate(model.params()).as_dict()
    except (ValidationError, ValueError, TypeError, AttributeError):
        return Price(usd=None, basis="depends on required settings").as_dict()


def test_default_prices_match_validated_defaults_for_every_model():
    models = [m for p in registry().values() for m in p.models.values()]
    assert len(models) > 50
    priced = 0
    for model in models:
        assert _default_price(model) == _validated_price(model), model.id
        priced += _default_price(model)["usd"] is not None
    assert priced > 30  # most models have a price with their defaults


def test_a_model_with_required_settings_shows_no_price():
    model = next(m for p in registry().values() for m in p.models.values()
                 if _default_price(m)["usd"] is not None)

    class NeedsStrength(model.params):  # type: ignore[name-defined,misc]
        strength: float  # required: no default

    needs = replace(model, params=NeedsStrength)
    assert _default_price(needs) == _validated_price(needs)
    assert _default_price(needs)["usd"] is None
    assert "required" in _default_price(needs)["basis"]
