"""What a panel shows after each check: its price (or why there is none) and its errors,
each where it belongs (a params field, the panel, or the shared prompt)."""

from __future__ import annotations

from pydantic import ValidationError

from studio.core.catalog import price_note
from studio.core.requests import FieldError
from studio.providers.base import Price
from studio.ui.compose.targets import TargetPanel
from studio.ui.widgets import money


def fallback_price(panel: TargetPanel) -> Price | None:
    """The price from the params alone when the request is otherwise incomplete."""
    try:
        return panel.model.estimate(panel.model.params.model_validate(panel.values()))
    except (ValidationError, ValueError, TypeError, KeyError):
        return None


def show_price(panel: TargetPanel, price: Price | None) -> None:
    if price is None:
        panel.set_cost("—", "fix the settings to see a price")
    elif price.usd is None:
        panel.set_cost("no published price", price_note(price.as_dict()))
    else:
        approx = "≈ " if price.approximate else ""
        panel.set_cost(f"{approx}{money(price.usd)}", price_note(price.as_dict()))


def apply_errors(panel: TargetPanel, errors: list[FieldError]) -> list[str]:
    """Spread FieldErrors to where they belong; return the prompt-level ones."""
    params: dict[str, str] = {}
    other: list[str] = []
    prompt: list[str] = []
    for e in errors:
        head, _, rest = e.field.partition(".")
        if head == "params" and rest:
            params.setdefault(rest.split(".")[0], e.message)
        elif head == "prompt":
            prompt.append(e.message)
        elif head == "negative_prompt":
            prompt.append(f"Negative prompt: {e.message}")
        elif head != "seed":  # seed errors are shown once, under the seed box
            other.append(e.message if head != "params" else str(e))
    panel.show_errors(params, other)
    return prompt
