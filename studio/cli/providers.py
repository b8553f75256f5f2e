"""studio-cli providers: the catalog with each provider's status, models and prices."""

from __future__ import annotations

import argparse
import sys

from studio.cli.common import print_json, usd
from studio.core.service import Studio


def build(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")
    p.add_argument("--refresh", action="store_true", help="ask providers for their quotas")


async def run(studio: Studio, args: argparse.Namespace) -> int:
    # Self-hosted servers are live only once they answer: ask them (cheap, cached).
    await studio.catalog.refresh_health(force=False)
    if args.refresh:
        for pid, err in (await studio.catalog.refresh_quotas(force=True)).items():
            print(f"studio-cli: {pid}: {err}", file=sys.stderr)
    entries = [e.as_dict() for e in studio.catalog.entries()]
    if args.json:
        print_json(entries)
        return 0
    for e in entries:
        print(f"{e['id']:<10} {e['status']:<20} {e['name']}  ({e['reason']})")
        if e["outside_status"] and e["outside_status"] != e["status"]:
            print(f"{'':<10} outside the sandbox: {e['outside_status']}")
        for m in e["models"]:
            price = m["price"]["usd"]
            print(f"    {m['id']:<48} {','.join(m['modes']):<10} {usd(price) or '-'}")
    return 0
