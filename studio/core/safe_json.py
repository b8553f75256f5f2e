"""JSON from outside (a settings file, --param, a replayed payload, an API body) with a
nesting limit: a document nested thousands deep is refused with a message instead of
exhausting the stack in the parser, the validators or the redactor further on.
"""

from __future__ import annotations

import json
from typing import Any

# Far deeper than any request, workflow or settings file; far below Python's stack limit.
MAX_DEPTH = 64


class JsonTooDeep(ValueError):
    """The document nests arrays/objects deeper than the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the JSON nests more than {limit} levels deep (refused)")


def depth_of(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deep lists and dicts nest in `value` (iterative: safe at any depth), counting
    no further than limit + 1."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
        stack.extend((child, depth) for child in node if isinstance(child, dict | list))
    return deepest


def loads(data: str | bytes, *, limit: int = MAX_DEPTH) -> Any:
    """json.loads, refusing documents deeper than `limit` (JsonTooDeep, a ValueError).
    Other errors are json's own (JSONDecodeError, UnicodeDecodeError: ValueErrors too)."""
    try:
        value = json.loads(data)
    except RecursionError:  # the parser itself gave up: far deeper than the limit
        raise JsonTooDeep(limit) from None
    if depth_of(value, limit) > limit:
        raise JsonTooDeep(limit)
    return value
