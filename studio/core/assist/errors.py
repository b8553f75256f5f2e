"""The assistant's error, in a module of its own so widgets can catch it without loading
the assistant's flows and schemas."""

from __future__ import annotations


class AssistError(Exception):
    """An assistant call that could not give a usable answer; the message says why."""

    def __init__(self, message: str, run_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.run_id = run_id
