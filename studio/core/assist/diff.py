"""A word-level diff of a prompt and its rewrite, for showing what changed."""

from __future__ import annotations

import difflib
import re
from typing import Any

_TOKEN = re.compile(r"\s+|[\w'-]+|[^\w\s]")


def word_diff(before: str, after: str) -> list[dict[str, Any]]:
    """Runs of `equal`, `delete` and `insert` text; joining the equal and insert runs gives
    `after`, the equal and delete runs give `before`."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    out: list[dict[str, Any]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            _add(out, "equal", "".join(a[i1:i2]))
            continue
        if op in ("delete", "replace"):
            _add(out, "delete", "".join(a[i1:i2]))
        if op in ("insert", "replace"):
            _add(out, "insert", "".join(b[j1:j2]))
    return out


def _add(out: list[dict[str, Any]], op: str, text: str) -> None:
    if not text:
        return
    if out and out[-1]["op"] == op:
        out[-1]["text"] += text
    else:
        out.append({"op": op, "text": text})


def changed_words(diff: list[dict[str, Any]]) -> int:
    return sum(len(d["text"].split()) for d in diff if d["op"] != "equal")
