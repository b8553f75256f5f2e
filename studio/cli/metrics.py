"""studio-cli metrics FILE_OR_ASSET_ID...: quality metrics of files or of this studio's
outputs (docs/metrics.md). An output's measurement is stored with it.

--json prints a list with one `{"path", "kind", "quality_score", "metrics",
"metrics_version"}` per input that could be measured; each input that could not is named
on stderr, and the command then exits 1 (after measuring the others).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from studio.cli.common import print_json
from studio.core.inputs import ASSET_PREFIX
from studio.core.service import Studio


class Unmeasurable(Exception):
    pass


def build(p: argparse.ArgumentParser) -> None:
    p.add_argument("targets", nargs="+", metavar="FILE_OR_ASSET_ID",
                   help="an image or video file, or an output's id (asset:ID or a prefix)")
    p.add_argument("--json", action="store_true")


async def run(studio: Studio, args: argparse.Namespace) -> int:
    measured: list[dict[str, Any]] = []
    failed = 0
    for target in args.targets:
        try:
            measured.append(await asyncio.to_thread(measure_one, studio, target))
        except Unmeasurable as exc:
            print(f"studio-cli: {exc}", file=sys.stderr)
            failed += 1
    if args.json:
        print_json(measured)
    else:
        for item in measured:
            print(_line(item))
    return 1 if failed else 0


def measure_one(studio: Studio, target: str) -> dict[str, Any]:
    """A file is measured as it is; an output id is measured with what its job asked for
    (size, fps, duration) and the result stored. Raises Unmeasurable with the reason."""
    from studio.core.metrics import MetricsError, measure

    path = Path(target).expanduser()
    if not target.startswith(ASSET_PREFIX) and (path.exists() or _looks_like_path(target)):
        try:
            return measure(path).as_json()
        except MetricsError as exc:
            raise Unmeasurable(str(exc)) from None
    try:
        record = studio.measure_asset(target.removeprefix(ASSET_PREFIX).strip())
    except KeyError:
        raise Unmeasurable(f"{target}: no such file, and no output with this id"
                           ) from None
    if record.note:
        raise Unmeasurable(f"{target}: {record.note}")
    return record.as_json()


def _looks_like_path(target: str) -> bool:
    return any(c in target for c in "/\\.") or target.startswith("~")


def _line(item: dict[str, Any]) -> str:
    score = item["quality_score"]
    line = f"{score:6.2f}  {item['kind']:<5}  {item['path']}"
    for mismatch in item["metrics"].get("mismatches") or []:
        line += f"\n        not as asked: {mismatch}"
    if item["metrics"].get("frozen"):
        line += "\n        frozen: most of the clip repeats"
    return line
