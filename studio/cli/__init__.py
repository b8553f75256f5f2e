"""studio-cli: the Studio service, headless (entry point `studio-cli`, or
`python -m studio.cli`). Every command is one row of `commands.COMMANDS`."""

from studio.code_cache import cached_generated_code
from studio.core.paths import StudioPaths
from studio.process_start import imports_settled

# Every command's modules: ~20 % of a short command (studio.process_start), and the code
# dataclasses, typing and namedtuple generate for them, kept compiled (studio.code_cache).
with imports_settled(), cached_generated_code(StudioPaths.resolve().code_cache_file):
    from studio.cli.main import main

__all__ = ["main"]
