"""Structured logging to logs/studio.log with every record scrubbed of secrets."""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import time
from io import TextIOWrapper
from typing import cast

from studio.core.paths import StudioPaths
from studio.core.redaction import RedactingFilter, Redactor

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        data.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files (and their rotated successors) are created 0600."""

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        # Text mode (the handler's 'a'), which os.fdopen's types cannot see through a str.
        return cast(TextIOWrapper, os.fdopen(fd, self.mode, encoding=self.encoding,
                                             errors=self.errors))


def configure(paths: StudioPaths, redactor: Redactor, *, level: int = logging.INFO) -> None:
    paths.log_dir.mkdir(parents=True, exist_ok=True)
    handler = _PrivateRotatingFileHandler(
        paths.log_dir / "studio.log", maxBytes=5_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter(redactor))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_studio", False)]:
        root.removeHandler(old)
        old.close()
    handler._studio = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs full URLs at INFO; keep it to warnings.
    logging.getLogger("httpx").setLevel(logging.WARNING)
