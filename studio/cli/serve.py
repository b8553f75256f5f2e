"""`studio-cli serve`: the automation API, headless, on 127.0.0.1 until Ctrl+C.

Unfinished jobs are resumed first; the URL and the bearer token are printed on start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from studio.api.auth import ApiToken
from studio.api.server import ApiServer, ApiStartError
from studio.core.service import Studio


def build(s: argparse.ArgumentParser) -> None:
    s.add_argument("--port", type=int,
                   help="port on 127.0.0.1 (default: automation_api.port in settings, 8765; "
                        "0 picks a free one)")
    # Also accepted before the command; SUPPRESS keeps `studio-cli --sandbox serve` working.
    s.add_argument("--sandbox", action="store_true", default=argparse.SUPPRESS,
                   help="send every call to the local provider emulator")


async def run(studio: Studio, args: argparse.Namespace) -> int:
    port = studio.settings.automation_api.port if args.port is None else args.port
    if port != 0 and not 1024 <= port <= 65535:
        raise ValueError(f"--port {port}: use 1024-65535 (or 0 for any free port)")
    resumed = await studio.resume()
    if resumed:
        print(f"studio-cli: resumed {len(resumed)} unfinished job(s)", file=sys.stderr)
    boards = studio.resume_storyboards()  # storyboards cut off mid-run carry on
    if boards:
        print(f"studio-cli: resumed {len(boards)} storyboard run(s)", file=sys.stderr)
    token = ApiToken(studio.keys, studio.redactor)
    server = ApiServer(studio, token, port=port,
                       allowed_origins=studio.settings.automation_api.allowed_origins)
    stop = asyncio.Event()
    installed = _on_signals(stop)
    try:
        try:
            url = await server.start()
        except ApiStartError as exc:
            print(f"studio-cli: {exc}", file=sys.stderr)
            return 1
        print(f"Provider Studio automation API: {url}", flush=True)
        print(f"Token: {token.value}", flush=True)
        print(f"  ({token.where}; send it as Authorization: Bearer <token>)", flush=True)
        print(f"Docs: {url}/docs  (Ctrl+C stops the server)", flush=True)
        if studio.sandbox_url:
            print(f"Sandbox: every provider call goes to {studio.sandbox_url}", flush=True)
        await stop.wait()
    finally:
        await server.stop()
        loop = asyncio.get_running_loop()
        for sig in installed:
            loop.remove_signal_handler(sig)
    print("studio-cli: the automation API stopped", file=sys.stderr)
    return 0


def _on_signals(stop: asyncio.Event) -> list[int]:
    """Ctrl+C and SIGTERM end the server gracefully (where the loop supports it)."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    return installed
