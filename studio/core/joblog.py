"""Per-job logs (logs/public_providers/<provider>/<job>.log) and raw provider responses
(data/public_exports/), both redacted before they touch the disk."""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from studio.core.atomic import write_atomic
from studio.core.paths import StudioPaths
from studio.core.redaction import Redactor

log = logging.getLogger("studio.public")


class JobLog:
    def __init__(self, paths: StudioPaths, redactor: Redactor) -> None:
        self.paths = paths
        self.redactor = redactor

    def append(self, provider: str, job_id: str, event: str, **data: Any) -> None:
        record = self.redactor.value({"at": round(time.time(), 3), "event": event, **data})
        path = self.paths.job_log(provider, job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        # 0600: a new log is private to this user (an existing one keeps its mode).
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, default=str) + "\n")

    def announce(self, kind: str, event: str, provider: str, job_id: str, **data: Any) -> None:
        """A structured line such as `public-image.dry-run` in the main log."""
        log.info("public-%s.%s provider=%s job=%s %s", kind, event, provider, job_id,
                 json.dumps(self.redactor.value(data), default=str, sort_keys=True))

    def export_response(self, provider: str, job_id: str, name: str, body: Any) -> None:
        if body is None or isinstance(body, bytes):
            return
        path = self.paths.exports_dir / provider / f"{job_id}-{name}.json"
        data = json.dumps(self.redactor.value(body), indent=2, default=str)
        write_atomic(path, data.encode("utf-8"), durable=False)
