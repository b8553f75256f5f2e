"""`studio-cli stats`: the dashboard's Spend & speed figures (core.stats)."""

from __future__ import annotations

import argparse

from studio.cli.common import UsageError, print_json
from studio.core.service import Studio


def build(s: argparse.ArgumentParser) -> None:
    s.add_argument("--days", type=int, default=30, metavar="N",
                   help="the last N local days, today included (default 30)")
    s.add_argument("--json", action="store_true",
                   help="every figure as JSON (shape in docs/dashboard.md)")


async def run(studio: Studio, args: argparse.Namespace) -> int:
    if args.days < 1 or args.days > 3660:
        raise UsageError("--days must be between 1 and 3660")
    data = studio.stats(args.days)
    if args.json:
        print_json(data)
        return 0
    for line in summary(data):
        print(line)
    return 0


def summary(data: dict) -> list[str]:
    spend = data["spend"]
    lines = [f"Spend & speed, last {data['days']} day(s) ({spend['days'][0]} to "
             f"{spend['days'][-1]})", "", "Spend (USD)   provider       estimate    actual   jobs"]
    for t in spend["totals"] or [{"provider": "(none)", "estimate_usd": 0, "actual_usd": 0,
                                  "jobs": 0}]:
        lines.append(f"              {t['provider']:<12} {t['estimate_usd']:>9.3f} "
                     f"{t['actual_usd']:>9.3f} {t['jobs']:>6}")
    lines += ["", "Latency (s)   model                                   n    p50    p90    max"]
    for m in data["latency"]:
        lines.append(f"              {m['target'][:38]:<38} {m['count']:>3} {m['p50']:>6.1f} "
                     f"{m['p90']:>6.1f} {m['max']:>6.1f}")
    lines += ["", "Outcomes      provider       sent  ok  failed  success"]
    for o in data["outcomes"]["providers"]:
        rate = "-" if o["success_rate"] is None else f"{o['success_rate']:.0%}"
        lines.append(f"              {o['provider']:<12} {o['sent']:>6} {o['succeeded']:>3} "
                     f"{o['failed']:>7}  {rate:>7}")
    if data["scoreboard"]:
        lines += ["", "Scoreboard    model                                 rating  ± (2 se)"]
        for r in data["scoreboard"]:
            lines.append(f"  {r['rank']:>2}          {r['target'][:36]:<36} {r['rating']:>7.0f} "
                         f" ±{r['high'] - r['rating']:.0f}")
    return lines
