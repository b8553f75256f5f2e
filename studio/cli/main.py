"""studio-cli: the Studio service, headless. Scripts and CI depend on this contract.

Exit codes: 0 success or dry-run, 1 a job or call failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Iterator

from studio import __version__
from studio.cli.commands import COMMANDS
from studio.cli.common import UsageError
from studio.core import logsetup
from studio.core.config import ConfigError
from studio.core.requests import RequestError
from studio.core.secrets import KeyringUnavailable
from studio.core.service import Studio


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="studio-cli", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"studio-cli {__version__}")
    p.add_argument("--sandbox", action="store_true",
                   help="talk to the local emulator (STUDIO_SANDBOX_URL, else start one)")
    p.add_argument("--sandbox-url", help="URL of a running `python -m studio.sandbox`")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS.values():
        command.build(sub.add_parser(command.name, help=command.help))
    return p


@contextlib.contextmanager
def _sandbox(args: argparse.Namespace) -> Iterator[str | None]:
    url = args.sandbox_url or (os.environ.get("STUDIO_SANDBOX_URL") if args.sandbox else None)
    if url or not args.sandbox:
        yield url
        return
    from studio.sandbox import SandboxServer

    with SandboxServer() as server:
        yield server.url


async def _run(args: argparse.Namespace, sandbox_url: str | None) -> int:
    studio = Studio(sandbox_url=sandbox_url)
    logsetup.configure(studio.paths, studio.redactor)
    for warning in studio.warnings:
        print(f"studio-cli: warning: {warning}", file=sys.stderr)
    try:
        return await COMMANDS[args.command].run(studio, args)
    finally:
        await studio.aclose()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with _sandbox(args) as url:
            return asyncio.run(_run(args, url))
    except RequestError as exc:
        for err in exc.errors:
            print(f"studio-cli: {err}", file=sys.stderr)
        return 2
    except (UsageError, ConfigError, KeyringUnavailable, ValueError) as exc:
        print(f"studio-cli: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("studio-cli: interrupted; live jobs resume with `studio-cli resume`",
              file=sys.stderr)
        return 130
