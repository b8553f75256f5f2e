"""Small JSON files the studio keeps beside its settings (presets, prompt history): read
with a fallback (a missing or damaged file is logged and treated as the default, never a
reason not to start) and written atomically."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from studio.core.atomic import write_atomic

log = logging.getLogger(__name__)


def read_json(path: Path, default: Any) -> Any:
    """The file's JSON when it parses to the default's type, else `default`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as exc:
        log.warning("json_file.unreadable path=%s error=%s", path, exc)
        return default
    return data if isinstance(data, type(default)) else default


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8"))
