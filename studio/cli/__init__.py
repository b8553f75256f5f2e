"""studio-cli: the Studio service, headless (entry point `studio-cli`, or
`python -m studio.cli`). Every command is one row of `commands.COMMANDS`."""

from studio.process_start import imports_settled

with imports_settled():  # every command's modules: ~20 % of a short command (studio.process_start)
    from studio.cli.main import main

__all__ = ["main"]
