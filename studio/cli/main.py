"""studio-cli: the Studio service, headless. Scripts and CI depend on this contract.

Exit codes: 0 success or dry-run, 1 a job or call failed, 2 bad input (arguments, files,
a damaged database or settings file: the message says which and what to do). Nothing
prints a traceback: an unexpected error is one line here and in full in the log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

from studio import __version__
from studio.cli.commands import COMMANDS
from studio.cli.common import UsageError
from studio.cli.errors import describe_os_error, describe_store_error
from studio.core import logsetup
from studio.core.config import ConfigError
from studio.core.paths import StudioPaths
from studio.core.requests import RequestError
from studio.core.secrets import KeyringUnavailable
from studio.core.service import Studio
from studio.core.store_errors import StoreError
from studio.providers.http import is_loopback_host

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="studio-cli", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"studio-cli {__version__}")
    p.add_argument("--sandbox", action="store_true",
                   help="talk to the local emulator (STUDIO_SANDBOX_URL, else start one)")
    p.add_argument("--sandbox-url", help="URL of a running `python -m studio.sandbox` "
                                         "(a loopback address)")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS.values():
        command.build(sub.add_parser(command.name, help=command.help))
    return p


def check_sandbox_url(url: str, where: str) -> str:
    """The sandbox runs on this computer: an http(s) URL on a loopback host only."""
    parts = urlsplit(url.strip())
    try:
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        host = ""
    if parts.scheme not in ("http", "https") or not is_loopback_host(host):
        raise UsageError(f"{where} {url!r}: the sandbox must be on this computer, e.g. "
                         "http://127.0.0.1:8000 (a loopback address)")
    return url.strip()


@contextlib.contextmanager
def _sandbox(args: argparse.Namespace) -> Iterator[str | None]:
    if args.sandbox_url:
        yield check_sandbox_url(args.sandbox_url, "--sandbox-url")
        return
    url = os.environ.get("STUDIO_SANDBOX_URL") if args.sandbox else None
    if url or not args.sandbox:
        yield check_sandbox_url(url, "STUDIO_SANDBOX_URL") if url else None
        return
    from studio.sandbox import SandboxServer

    with SandboxServer() as server:
        yield server.url


async def _run(args: argparse.Namespace, sandbox_url: str | None) -> int:
    command = COMMANDS[args.command]
    if not command.opens_studio:  # works on a home whose database cannot be opened
        return await command.run(StudioPaths.resolve(), args)
    studio = Studio(sandbox_url=sandbox_url)
    try:
        logsetup.configure(studio.paths, studio.redactor)
        for warning in studio.warnings:
            print(f"studio-cli: warning: {warning}", file=sys.stderr)
        return await command.run(studio, args)
    finally:
        await studio.aclose()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with _sandbox(args) as url:
            return asyncio.run(_run(args, url))
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except RequestError as exc:
        for err in exc.errors:
            _error(str(err))
        return 2
    except (UsageError, ConfigError, KeyringUnavailable, ValueError) as exc:
        _error(str(exc))
        return 2
    except StoreError as exc:
        _error(describe_store_error(exc))
        return 2
    except OSError as exc:
        _error(describe_os_error(exc))
        return 2
    except RecursionError:
        _error("the input nests too deeply to be read")
        return 2
    except KeyboardInterrupt:
        _error("interrupted; live jobs resume with `studio-cli resume`")
        return 130
    except Exception as exc:  # a bug: one line here, the traceback in the log
        log.exception("cli.crash command=%s", args.command)
        _error(f"internal error ({type(exc).__name__}: {exc}); this is a bug, the details "
               "are in the studio log")
        return 1


def _error(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(f"studio-cli: {message}", file=sys.stderr)


def _quiet_broken_pipe() -> int:
    """The reader went away (`studio-cli jobs | head -3`): stop without a word. stdout is
    pointed at /dev/null so the interpreter's final flush does not complain either."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 0
