"""studio-cli lineage ASSET_ID: an asset's parents and children, as a tree or JSON."""

from __future__ import annotations

import argparse

from studio.cli.common import UsageError, print_json
from studio.core.lineage import Edge, Node
from studio.core.service import Studio


def build(p: argparse.ArgumentParser) -> None:
    p.add_argument("asset", metavar="ASSET_ID", help="an asset id (or a unique prefix)")
    p.add_argument("--json", action="store_true")


async def run(studio: Studio, args: argparse.Namespace) -> int:
    try:
        tree = studio.lineage(args.asset)
    except KeyError:
        raise UsageError(f"no asset {args.asset!r} in this studio") from None
    if args.json:
        print_json(tree.as_dict())
        return 0
    for edge in tree.parents:
        _print_up(edge, 1)
    print(_line(tree))
    for edge in tree.children:
        _print_down(edge, 1)
    return 0


def _line(node: Node, role: str | None = None) -> str:
    what = node.asset_id or f"job {node.job_id} ({node.status}, no output)"
    made = f"{node.provider}:{node.model} {node.mode}"
    cut = "  …" if node.truncated else ""
    return f"{f'[{role}] ' if role else ''}{what}  {made}{cut}"


def _print_up(edge: Edge, depth: int) -> None:
    for parent in edge.node.parents:
        _print_up(parent, depth + 1)
    print("  " * (depth - 1) + "↑ " + _line(edge.node, edge.role.value))


def _print_down(edge: Edge, depth: int) -> None:
    print("  " * depth + "↳ " + _line(edge.node, edge.role.value))
    for child in edge.node.children:
        _print_down(child, depth + 1)
