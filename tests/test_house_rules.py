"""Rules of AGENTS.md that a grep can hold (the import rules are lint-imports' job)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORE = re.compile(r"\.store\b")
# The screenshot tool stages a scene (a running job at 42 %): a script, not a widget.
STAGING = {("studio/ui/screenshots/data.py",
            "studio.store.update_job(running.id, progress=0.42)")}


def _lines(package: str, pattern: re.Pattern[str]) -> set[tuple[str, str]]:
    found = set()
    for path in sorted((ROOT / package).rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if pattern.search(line):
                found.add((path.relative_to(ROOT).as_posix(), line.strip()))
    return found


def test_widgets_read_through_studio_never_the_store():
    found = _lines("studio/ui", STORE)
    assert found - STAGING == set(), "use a Studio method (core/service.py, reads for views)"
    assert found >= STAGING, "the staging exception is gone: remove it from STAGING"


def test_no_assert_narrows_a_type_in_code_that_runs_under_python_O():
    found = set()
    for package in ("studio/core", "studio/providers"):
        found |= _lines(package, re.compile(r"^\s*assert isinstance\("))
    assert found == set(), "asserts vanish under python -O: check, or typing.cast"
