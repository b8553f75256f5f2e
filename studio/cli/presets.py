"""studio-cli presets list | export | import: named parameter sets per model (shipped and
your own), and `generate --preset NAME`.

list prints shipped and user presets (`--model P:M` for one model); export writes your
presets (with `--shipped`, the shipped ones too) as one JSON file; import reads such a file
into yours (a bad file changes nothing: exit 2 with the reason).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from studio.cli.common import UsageError, print_json
from studio.core.presets import PresetError, PresetLibrary, library_for, split_target
from studio.core.service import Studio


def build(s: argparse.ArgumentParser) -> None:
    actions = s.add_subparsers(dest="presets_action", required=True)
    a = actions.add_parser("list", help="shipped and your presets, per model")
    a.add_argument("--model", metavar="PROVIDER:MODEL", help="only this model's presets")
    a.add_argument("--json", action="store_true")
    a = actions.add_parser("export", help="write your presets as one JSON file")
    a.add_argument("file")
    a.add_argument("--model", metavar="PROVIDER:MODEL", action="append", default=[],
                   help="only this model's presets (repeatable)")
    a.add_argument("--shipped", action="store_true", help="include the shipped presets")
    a.add_argument("--json", action="store_true")
    a = actions.add_parser("import", help="add the presets of a JSON file to yours")
    a.add_argument("file")
    a.add_argument("--keep", action="store_true",
                   help="keep a preset you have of the same name (default: replace it)")
    a.add_argument("--json", action="store_true")


def library(studio: Studio) -> PresetLibrary:
    return library_for(studio.paths.config_dir)


def _target(text: str) -> tuple[str, str]:
    try:
        return split_target(text)
    except PresetError as exc:
        raise UsageError(f"--model {exc}") from None


async def run(studio: Studio, args: argparse.Namespace) -> int:
    presets = library(studio)
    try:
        if args.presets_action == "export":
            targets = [_target(m) for m in args.model] or None
            count = presets.export_to(Path(args.file), targets, shipped=args.shipped)
            if args.json:
                print_json({"file": args.file, "presets": count})
            else:
                print(f"exported {count} preset(s) to {args.file}")
            return 0
        if args.presets_action == "import":
            result = presets.import_document(Path(args.file), replace=not args.keep)
            if args.json:
                print_json(result.as_dict())
            else:
                print(f"imported {len(result.added)} new, {len(result.replaced)} replaced, "
                      f"{len(result.skipped)} kept")
            return 0
    except PresetError as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    items = (presets.presets(*_target(args.model)) if args.model else presets.all())
    if args.json:
        print_json([p.as_dict() for p in items])
        return 0
    if not items:
        print("no presets" + (f" for {args.model}" if args.model else ""))
    for p in items:
        values = ", ".join(f"{k}={v}" for k, v in p.params.items())
        print(f"{p.target:<40} {p.name:<20} {p.source:<8} {values}")
    return 0


def preset_params(studio: Studio, provider: str, model: str, name: str) -> dict[str, Any]:
    """A preset's settings for `generate --preset` (UsageError naming the choices)."""
    presets = library(studio)
    found = presets.get(provider, model, name)
    if found is None:
        names = presets.names(provider, model)
        raise UsageError(f"--preset {name!r}: {provider}:{model} has no such preset"
                         + (f" (it has: {', '.join(names)})" if names else " (it has none)"))
    return found
