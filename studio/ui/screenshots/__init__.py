"""`python -m studio.ui.screenshots OUT_DIR`: real screenshots from sandbox data.

Builds a temporary STUDIO_HOME, starts a SandboxServer, turns the flags on, sends live
jobs (pictures, a video, a dry-run, a failure, a cancellation, one left running, a
four-model compare group, boards and the trash), then saves PNGs of every view with
grab(), each at 1024x700 and at 1600x1000 (`NAME_1024x700.png`, `NAME_1600x1000.png`).
Runs offscreen when no display is set.
"""

from studio.ui.screenshots.run import main

__all__ = ["main"]
