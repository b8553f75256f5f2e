"""studio-cli: the Studio service, headless (entry point `studio-cli`, or
`python -m studio.cli`). Every command is one row of `commands.COMMANDS`."""

from studio.cli.main import main

__all__ = ["main"]
