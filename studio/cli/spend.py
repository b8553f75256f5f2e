"""What every command that sends live jobs shares about money: the `--max-usd` flag, the
check against it (and against the per-action confirmation amount) before anything is
sent, and the exit for jobs a budget refused.

A command that sends jobs adds `add_max_usd(parser)`, calls `check_spend(studio, requests,
args)` before it submits and `report_refused(jobs)` after. Exit 2 with the figures.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from studio.cli.common import UsageError, print_json
from studio.core.budget import money
from studio.core.jobs import Job, JobStatus
from studio.core.service import Studio
from studio.core.spend_quote import Quote
from studio.providers.base import RenderRequest


class SpendRefused(UsageError):
    """The action's estimate is above --max-usd (or the confirmation amount): exit 2."""


def _usd(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in USD") from None
    if value < 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError("give an amount of 0 or more")
    return value


def add_max_usd(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-usd", type=_usd, metavar="USD",
                   help="send only if the live jobs' estimate is at most this; required when "
                        "it is above budgets.confirm_above_usd (default $2) or unknown")


def check_spend(studio: Studio, requests: Sequence[RenderRequest],
                args: argparse.Namespace) -> Quote:
    """Refuse (SpendRefused, nothing sent) an action above --max-usd, or above the
    confirmation amount without --max-usd. Returns the quote."""
    quote = studio.budget.quote(requests)
    limit: float | None = getattr(args, "max_usd", None)
    if limit is None:
        if not quote.needs_confirmation():
            return quote
        if quote.unpriced and quote.live_usd <= quote.threshold_usd:
            names = ", ".join(i.name for i in quote.unpriced)
            why = (f"the price of {names} is not known; pass --max-usd to send it anyway "
                   "(budgets count it at the highest price seen for it)")
        else:
            why = (f"that is above the confirmation amount of {money(quote.threshold_usd)} "
                   f"(budgets.confirm_above_usd); pass --max-usd "
                   f"{_up(quote.live_usd)} or more to send it")
    elif quote.live_usd > limit + 1e-9:
        why = f"that is above --max-usd {money(limit)}"
    else:
        return quote
    message = f"this action is estimated at {quote.summary()}: {why}. Nothing was sent."
    if getattr(args, "json", False):
        print_json({"error": message, "max_usd": limit, "quote": quote.as_dict()})
    raise SpendRefused(message)


def _up(usd: float) -> str:
    """An amount rounded up to the cent, as the user would type it."""
    cents = -(-round(usd * 1e6) // 10_000)
    return f"{cents / 100:.2f}"


def report_refused(jobs: Sequence[Job | None]) -> int | None:
    """Name each job a budget refused, with its figures; 2 when there was one."""
    refused = [j for j in jobs if j is not None and j.status is JobStatus.REFUSED]
    for job in refused:  # the error names the budget, the estimate and what is left
        print(f"studio-cli: job {job.id} ({job.provider}:{job.model}) {job.error}",
              file=sys.stderr)
    return 2 if refused else None
