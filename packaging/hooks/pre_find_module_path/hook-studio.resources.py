"""studio.resources lives in the repository's top-level resources/ (setup.py maps it), not
under studio/, so PyInstaller is told where to find it (its module graph does not follow
an editable install's import hook)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def pre_find_module_path(api) -> None:
    api.search_dirs = [str(ROOT)]
