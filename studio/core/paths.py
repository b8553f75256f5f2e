"""Where config, data and logs live: STUDIO_HOME, else the platform's user dirs."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "provider-studio"


@dataclass(frozen=True)
class StudioPaths:
    """Where this studio keeps its config, data, logs and caches."""
    config_dir: Path
    data_dir: Path
    log_dir: Path
    # What the app can make again at any time (studio.code_cache): safe to delete.
    cache_dir: Path | None = None

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> StudioPaths:
        home = home or os.environ.get("STUDIO_HOME")
        if home:
            root = Path(home).expanduser()
            return cls(root / "config", root / "data", root / "logs", root / "cache")
        return cls(
            Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )

    @property
    def config_file(self) -> Path:
        return self.config_dir / "studio.json"

    @property
    def workflows_dir(self) -> Path:
        """Imported ComfyUI workflows, one JSON file each (see core.workflows)."""
        return self.config_dir / "workflows"

    @property
    def code_cache_file(self) -> Path:
        """The compiled code dataclasses and typing generate at start (studio.code_cache)."""
        return (self.cache_dir or self.data_dir / "cache") / "generated-code.bin"

    @property
    def pyside_answers_file(self) -> Path:
        """Which loaded files mention PySide6 (studio.app.pyside_import_hook)."""
        return (self.cache_dir or self.data_dir / "cache") / "pyside-imports.bin"

    @property
    def keyring_choice_file(self) -> Path:
        """The keyring backend the last start used (core.keyring_choice)."""
        return (self.cache_dir or self.data_dir / "cache") / "keyring-backend.json"

    @property
    def db_file(self) -> Path:
        return self.data_dir / "studio.db"

    @property
    def assets_dir(self) -> Path:
        return self.data_dir / "assets"

    @property
    def thumbs_dir(self) -> Path:
        return self.data_dir / "thumbs"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "public_exports"

    def job_log(self, provider: str, job_id: str) -> Path:
        return self.log_dir / "public_providers" / provider / f"{job_id}.log"

    def ensure(self) -> StudioPaths:
        """Create the directories, private to this user (0700): keys never live here, but
        prompts, outputs and logs are nobody else's business."""
        for d in (self.config_dir, self.data_dir, self.log_dir, self.assets_dir):
            make_private_dir(d)
        return self


def make_private_dir(path: Path) -> None:
    """mkdir -p where every directory it creates is 0700, and `path` itself is made 0700
    (it is one of ours); existing ancestors are left as they are."""
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for d in reversed(missing):
        d.mkdir(mode=0o700, exist_ok=True)
    if not path.is_dir():  # a file where a folder belongs: say so now, not at first write
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    if os.name == "posix" and path.is_dir() and path.stat().st_mode & 0o077:
        path.chmod(0o700)
