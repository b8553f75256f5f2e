"""`python -m studio.sandbox`: serve the sandbox on loopback and print its URL."""

from __future__ import annotations

import argparse
import os
import sys

from studio.process_start import imports_settled

with imports_settled():  # the server's modules load for less (studio.process_start)
    from .config import SandboxConfig
    from .server import URL_PREFIX, bind_socket, is_loopback, socket_url, uvicorn_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m studio.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--queue-seconds", type=float, default=SandboxConfig.queue_seconds)
    parser.add_argument("--run-seconds", type=float, default=SandboxConfig.run_seconds)
    parser.add_argument("--run-jitter", type=float, default=SandboxConfig.run_jitter,
                        help="vary each job's run time by a random factor in [1-J, 1+J]")
    parser.add_argument("--jitter-seed", type=int, default=SandboxConfig.jitter_seed)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(f"refusing to bind {args.host!r}: the sandbox serves loopback only")
    from studio.providers import BUILTIN_MODULES, module_names

    # Plug-in providers named for the app (STUDIO_PROVIDER_MODULES) are served here too.
    extra = tuple(m for m in module_names(os.environ) if m not in BUILTIN_MODULES)
    try:
        config = SandboxConfig(queue_seconds=args.queue_seconds, run_seconds=args.run_seconds,
                               run_jitter=args.run_jitter, jitter_seed=args.jitter_seed,
                               provider_modules=extra)
    except ValueError as exc:
        parser.error(str(exc))
    sock = bind_socket(args.host, args.port)
    server = uvicorn_server(config, args.log_level)
    print(f"{URL_PREFIX}{socket_url(sock)}", flush=True)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
