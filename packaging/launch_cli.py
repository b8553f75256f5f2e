"""The bundle's `studio-cli` executable.

`studio-cli --run-sandbox [ARGS]` is a hidden mode: a frozen app has no `python -m`, so
`studio.sandbox.process.start_sandbox_process` starts the local emulator through it.
"""

from __future__ import annotations

import sys

RUN_SANDBOX = "--run-sandbox"


def main(argv: list[str]) -> int:
    if argv[:1] == [RUN_SANDBOX]:
        from studio.sandbox.__main__ import main as sandbox_main

        return sandbox_main(argv[1:])
    from studio.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
