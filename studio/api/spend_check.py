"""Sequences over the API are quoted whole with the spend guard before anything is sent:
a chain's links, a storyboard run's stages. When the live ones would cross a budget the
answer is 402 with the body a refused generate gets ({error, budget, estimate_usd,
left_usd}, plus `jobs`: how many live jobs were quoted), and nothing is sent or written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from studio.api.routes import _ctx, reply
from studio.core.requests import RequestError
from studio.providers.base import RenderRequest


def budget_refusal(request: Request, requests: Sequence[RenderRequest]) -> Response | None:
    """The 402 answer when the whole would cross a budget, else None. A request the
    provider cannot take is left to the route's own checks (it is never sent)."""
    studio = _ctx(request).studio
    try:
        quote = studio.budget.quote(requests)
    except RequestError:
        return None
    refusal = quote.refusal
    if refusal is None:
        return None
    data: dict[str, Any] = {"error": refusal.reason, "fields": [],
                            "budget": refusal.budget.as_dict(),
                            "estimate_usd": _round(refusal.estimate_usd),
                            "left_usd": _round(refusal.left_usd), "jobs": refusal.jobs}
    return reply(request, data, 402)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
