"""studio-cli config get|set|path: read or change settings."""

from __future__ import annotations

import argparse

from studio.cli.common import UsageError, print_json
from studio.core.config import get_value, set_value
from studio.core.service import Studio


def build(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["get", "set", "path"])
    p.add_argument("key", nargs="?")
    p.add_argument("value", nargs="?")


async def run(studio: Studio, args: argparse.Namespace) -> int:
    if args.action == "path":
        print(studio.paths.config_file)
        return 0
    if not args.key:
        raise UsageError("config get|set needs a KEY")
    if args.action == "get":
        print_json(get_value(studio.settings, args.key))
        return 0
    if args.value is None:
        raise UsageError("config set needs a VALUE")
    studio.update_settings(set_value(studio.settings, args.key, args.value))
    print_json(get_value(studio.settings, args.key))
    return 0
