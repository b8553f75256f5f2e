"""studio-cli keys set|delete|status: API keys in the OS keyring (a key is read from
stdin or a hidden prompt, never from argv). Besides the providers, `image-host-s3` is the
S3 image host's secret access key (Settings > Network > Image host)."""

from __future__ import annotations

import argparse
import sys

from studio.cli.common import UsageError
from studio.core.service import Studio

IMAGE_HOST_S3 = "image-host-s3"


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
        print(f"{IMAGE_HOST_S3} {studio.image_host_secret().source.value}")
        return 0
    if args.provider == IMAGE_HOST_S3:
        return _image_host_secret(studio, args.action)
    if args.provider not in studio.providers:
        raise UsageError(f"unknown provider {args.provider!r}; known: "
                         f"{', '.join(studio.providers)}, {IMAGE_HOST_S3}")
    if args.action == "status":
        found = studio.key_for(args.provider)
        print(f"{args.provider}: {found.source.value} ({found.detail})")
        return 0
    if args.action == "delete":
        removed = studio.delete_key(args.provider)
        print(f"{args.provider}: {'deleted' if removed else 'no key was stored'}")
        return 0
    studio.store_key(args.provider, _read_secret(f"{args.provider} key"))
    print(f"{args.provider}: stored in the OS keyring")
    return 0


def _image_host_secret(studio: Studio, action: str) -> int:
    if action == "status":
        found = studio.image_host_secret()
        print(f"{IMAGE_HOST_S3}: {found.source.value} ({found.detail})")
    elif action == "delete":
        removed = studio.delete_image_host_secret()
        print(f"{IMAGE_HOST_S3}: {'deleted' if removed else 'no secret was stored'}")
    else:
        studio.store_image_host_secret(_read_secret("S3 secret access key"))
        print(f"{IMAGE_HOST_S3}: stored in the OS keyring")
    return 0


def _read_secret(what: str) -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"{what} (input hidden): ")
    return sys.stdin.readline()
