"""Prices: what a request should cost, what changes the bill, and where each figure comes from.

A price rule is a function of a `Bill` (the params, the input images, the model's observed
run time here, the provider's own settings) and returns a `Price` that names its source.
A price is exact only when its source is first-party (the seller's own page, docs or SDK):
anything else is shown as an estimate, whatever the rule claims.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PriceSource:
    """Where a price figure was read, and when."""

    url: str
    checked: str  # ISO date (YYYY-MM-DD) the figure was last read there
    first_party: bool = False  # the seller's own page, docs or SDK
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "checked": self.checked, "first_party": self.first_party,
                **({"note": self.note} if self.note else {})}


@dataclass(frozen=True)
class Price:
    """A price estimate (or a provider-reported cost). Credits are the provider's own unit."""

    usd: float | None
    credits: float | None = None
    approximate: bool = True
    basis: str = ""
    source: PriceSource | None = None

    def __post_init__(self) -> None:
        # Exact only on the seller's own word: a third-party figure is always an estimate.
        if not self.approximate and not (self.source and self.source.first_party):
            object.__setattr__(self, "approximate", True)

    @property
    def exact(self) -> bool:
        return not self.approximate

    def as_dict(self) -> dict[str, Any]:
        return {
            # Six places: a RunPod second costs fractions of a cent.
            "usd": None if self.usd is None else round(self.usd, 6),
            "credits": None if self.credits is None else round(self.credits, 3),
            "approximate": self.approximate,
            "exact": self.exact,
            "basis": self.basis,
            "source": self.source.url if self.source else None,
            "checked": self.source.checked if self.source else None,
        }


@dataclass(frozen=True)
class ImageFacts:
    """What a price rule may know about one input image (sizes are None when unknown)."""

    width: int | None = None
    height: int | None = None

    @property
    def megapixels(self) -> float | None:
        if not self.width or not self.height:
            return None
        return self.width * self.height / 1_000_000


@dataclass(frozen=True)
class Bill:
    """Everything that changes the bill of one request."""

    params: Any  # the model's validated params (a ParamsBase)
    images: tuple[ImageFacts, ...] = ()
    # Typical submit-to-done seconds of this model in this studio (for per-second billing).
    observed_seconds: float | None = None
    # The provider's own settings (e.g. RunPod's $/s per endpoint), as plain data.
    options: Mapping[str, Any] = field(default_factory=dict)


PriceRule = Callable[[Bill], Price]


def whole_megapixels(width: int, height: int) -> int:
    """Megapixels rounded up to a whole one, as fal bills its per-megapixel models."""
    return max(1, math.ceil(width * height / 1_000_000 - 1e-9))


def unpriced(basis: str, source: PriceSource) -> PriceRule:
    """A rule for models with no price anyone could find; says where we looked."""

    def price(_: Bill) -> Price:
        return Price(usd=None, basis=basis, source=source)

    return price
