"""Bundled data: ComfyUI workflow templates, icons, fonts, default config and
the Linux desktop files (licences in LICENSES.md).

This folder sits at the top of the repository and installs as `studio.resources`
(setup.py maps it); code finds the files through ROOT, never through a path of its own.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent
