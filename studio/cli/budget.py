"""studio-cli budget show|set: spend budgets, what was spent and what is left.

    studio-cli budget show --json
    studio-cli budget set provider=fal daily=5 monthly=50
    studio-cli budget set overall monthly=200
    studio-cli budget set provider=fal daily=none      # no daily limit for fal
    studio-cli budget set confirm=3                    # ask above $3 (default $2)

Days and months are the computer's local calendar.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from studio.cli.common import UsageError, print_json
from studio.core.budget import BudgetLimit, money
from studio.core.config import Settings
from studio.core.service import Studio
from studio.core.spend_status import BudgetStatus, Figures

_FIELDS = {"daily": "daily_usd", "monthly": "monthly_usd"}
_CLEAR = {"none", "off", "null", ""}


def build(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["show", "set"])
    p.add_argument("items", nargs="*", metavar="ITEM",
                   help="set: overall | provider=ID, then daily=USD monthly=USD (none to "
                        "clear); or confirm=USD, the per-action amount above which to ask")
    p.add_argument("--json", action="store_true")


async def run(studio: Studio, args: argparse.Namespace) -> int:
    if args.action == "set":
        studio.update_settings(changed(studio, args.items))
    elif args.items:
        raise UsageError("budget show takes no items (did you mean budget set?)")
    status = studio.budget.status()
    print_json(status.as_dict()) if args.json else print(human(status))
    return 0


def changed(studio: Studio, items: list[str]) -> Settings:
    """The settings with the budget the items describe; raises UsageError naming the bad
    item (nothing is saved then)."""
    if not items:
        raise UsageError("budget set needs items, e.g. provider=fal daily=5 monthly=50")
    budgets = studio.settings.budgets.model_copy(deep=True)
    scope: str | None = None  # "overall" or a provider id
    values: dict[str, float | None] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if key == "overall" and not sep:
            scope = _one_scope(scope, "overall")
        elif key == "provider" and sep:
            scope = _one_scope(scope, _provider(studio, value.strip()))
        elif key in _FIELDS and sep:
            values[_FIELDS[key]] = _amount(item, value)
        elif key == "confirm" and sep:
            amount = _amount(item, value)
            if amount is None:
                raise UsageError(f"{item!r}: the confirmation amount cannot be cleared; "
                                 "confirm=0 asks before every live action")
            budgets.confirm_above_usd = amount
        else:
            raise UsageError(f"{item!r}: expected overall, provider=ID, daily=USD, "
                             "monthly=USD or confirm=USD")
    if values and scope is None:
        raise UsageError("say whose budget: overall or provider=ID (e.g. provider=fal)")
    if scope is not None and not values:
        raise UsageError(f"give daily=USD and/or monthly=USD for {scope}")
    if scope == "overall":
        budgets.overall = budgets.overall.model_copy(update=values)
    elif scope is not None:
        current = budgets.providers.get(scope, BudgetLimit())
        budgets.providers = {**budgets.providers, scope: current.model_copy(update=values)}
    data = studio.settings.model_dump()
    data["budgets"] = budgets.model_dump()
    return Settings.model_validate(data)


def _one_scope(current: str | None, new: str) -> str:
    if current is not None and current != new:
        raise UsageError(f"one budget at a time: {current} or {new}")
    return new


def _provider(studio: Studio, provider_id: str) -> str:
    provider = studio.providers.get(provider_id)
    if provider is None:
        raise UsageError(f"provider={provider_id}: unknown provider; known: "
                         f"{', '.join(sorted(studio.providers))}")
    if provider.info.key_from:  # Pika runs on fal's key: fal's account pays
        raise UsageError(f"provider={provider_id}: {provider.info.name} is paid from "
                         f"{provider.info.key_from}'s account; set "
                         f"provider={provider.info.key_from}")
    return provider_id


def _amount(item: str, text: str) -> float | None:
    if text.strip().lower() in _CLEAR:
        return None
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{item!r}: {text!r} is not an amount in USD") from None
    if value < 0 or not math.isfinite(value):
        raise UsageError(f"{item!r}: give an amount of 0 or more (none to clear it)")
    return value


def human(status: BudgetStatus) -> str:
    data: dict[str, Any] = status.as_dict()
    lines = [f"Budgets in {data['time_zone']}: today {data['today']}, this month "
             f"{data['this_month']}",
             f"{'':<12} {'today':<34} this month"]
    rows = [("overall", status.overall), *status.providers.items()]
    for who, figures in rows:
        lines.append(f"{who:<12} {_cell(figures['day']):<34} {_cell(figures['month'])}")
    if status.pods.pods:
        lines.append(status.pods_text() + " when last seen (RunPod bills pods by the hour; "
                     "not counted in the job budgets above)")
    lines.append(f"Live actions above {money(status.confirm_above_usd)} ask first "
                 "(studio-cli: --max-usd).")
    return "\n".join(lines)


def _cell(f: Figures) -> str:
    spent = f"{money(f.spent_usd)} spent" + (
        f" (+{money(f.pending_usd)} on its way)" if f.pending_usd else "")
    if f.budget_usd is None:
        return f"{spent}, no limit"
    return f"{spent}, {money(f.left_usd or 0.0)} left of {money(f.budget_usd)}"
