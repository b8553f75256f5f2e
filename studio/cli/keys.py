"""studio-cli keys set|delete|status: API keys in the OS keyring (a key is read from
stdin or a hidden prompt, never from argv)."""

from __future__ import annotations

import argparse
import sys

from studio.cli.common import UsageError
from studio.core.service import Studio


def build(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["set", "delete", "status"])
    p.add_argument("provider", nargs="?")


async def run(studio: Studio, args: argparse.Namespace) -> int:
    if args.provider is None:
        if args.action != "status":
            raise UsageError("keys set|delete needs a PROVIDER")
        usable, backend = studio.keys.backend_status()
        print(f"keyring: {'ok' if usable else 'unavailable'} ({backend})")
        for pid in studio.providers:
            print(f"{pid:<10} {studio.key_for(pid).source.value}")
        return 0
    if args.provider not in studio.providers:
        raise UsageError(f"unknown provider {args.provider!r}; known: "
                         f"{', '.join(studio.providers)}")
    if args.action == "status":
        found = studio.key_for(args.provider)
        print(f"{args.provider}: {found.source.value} ({found.detail})")
        return 0
    if args.action == "delete":
        removed = studio.delete_key(args.provider)
        print(f"{args.provider}: {'deleted' if removed else 'no key was stored'}")
        return 0
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass(f"{args.provider} key (input hidden): ")
    else:
        value = sys.stdin.readline()
    studio.store_key(args.provider, value)
    print(f"{args.provider}: stored in the OS keyring")
    return 0
