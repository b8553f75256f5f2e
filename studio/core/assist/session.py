"""One run's chat calls: each request built (pure), recorded as sent (secrets masked) in
the run and the job log, sent only when the run is live, and its answer validated.

A malformed answer (not JSON, or not the schema) is asked for once more with the error
named; a refusal is asked once more as it was. A second failure is an `AssistError` with
words for the user; nothing crashes and every request and answer stays in the record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from studio.core.assist.access import ChatAccess
from studio.core.assist.answers import parse_answer, schema_name, strict_schema
from studio.core.assist.errors import AssistError
from studio.core.assist.runs import AssistRun
from studio.core.ports import JobLogWriter
from studio.core.redaction import Redactor
from studio.providers.base import PreparedCall, ProviderError
from studio.providers.chat import AnswerSchema, ChatAnswer, ChatMessage, ChatRequest

M = TypeVar("M", bound=BaseModel)
ATTEMPTS = 2


class DryRunStop(Exception):
    """The run is a dry-run: the request is recorded and nothing is sent."""


class Unusable(ValueError):
    def __init__(self, why: str, *, refused: bool) -> None:
        super().__init__(why)
        self.refused = refused


class ChatSession:
    """Each agent (director, critic, ...) keeps its own thread of messages."""

    def __init__(self, access: ChatAccess, run: AssistRun, joblog: JobLogWriter,
                 redactor: Redactor) -> None:
        self.access = access
        self.run = run
        self.joblog = joblog
        self.redactor = redactor
        self.threads: dict[str, list[ChatMessage]] = {}
        self._answers = 0

    def note(self, agent: str, message: ChatMessage, labels: Sequence[str] = ()) -> None:
        """Keep a message in the run's conversation (images by name only)."""
        self.run.conversation.append({"agent": agent, "role": message.role,
                                      "text": self.redactor.text(message.text),
                                      "images": list(labels)})

    async def ask(self, agent: str, new: Sequence[ChatMessage], answer: type[M], *,
                  labels: Sequence[str] = ()) -> M:
        """Add `new` to the agent's thread, send it, return the validated answer.
        `labels` name the images of the new messages for the conversation record."""
        thread = self.threads.setdefault(agent, [])
        for message in new:
            thread.append(message)
            self.note(agent, message, labels if message.images else ())
        vision = any(m.images for m in thread)
        for attempt in range(1, ATTEMPTS + 1):
            call = self._record(agent, thread, answer, vision, attempt)
            if not self.run.live:
                raise DryRunStop
            reply = await self._send(call)
            try:
                parsed = _usable(reply, answer)
            except Unusable as problem:
                self.joblog.append(self.access.info.id, self.run.id, "answer_unusable",
                                   agent=agent, attempt=attempt, why=str(problem))
                if attempt == ATTEMPTS:
                    raise AssistError(f"{agent}: {problem} (asked twice; nothing was kept)",
                                      self.run.id) from None
                if not problem.refused:  # show the model its mistake and ask again
                    self._add(agent, ChatMessage("assistant", reply.content or ""))
                    self._add(agent, ChatMessage("user", f"That answer was not usable: "
                                                 f"{problem}. Answer again with only JSON "
                                                 "that follows the schema exactly."))
                continue
            self._add(agent, ChatMessage("assistant", parsed.model_dump_json()))
            return parsed
        raise AssertionError("unreachable")  # pragma: no cover

    def _add(self, agent: str, message: ChatMessage) -> None:
        self.threads[agent].append(message)
        self.note(agent, message)

    def _record(self, agent: str, thread: list[ChatMessage], answer: type[BaseModel],
                vision: bool, attempt: int) -> PreparedCall:
        settings = self.access.settings
        request = ChatRequest(self.access.model(vision=vision), tuple(thread),
                              AnswerSchema(schema_name(answer), strict_schema(answer)),
                              settings.temperature, settings.max_tokens)
        try:
            call = self.access.provider.build(request, self.access.context())
        except (ProviderError, ValueError) as exc:
            raise AssistError(f"the assistant's settings: {_words(exc)}", self.run.id) from None
        record = self.redactor.value({"agent": agent, "attempt": attempt, **call.record()})
        self.run.requests.append(record)
        self.joblog.append(self.access.info.id, self.run.id,
                           "request" if self.run.live else "dry-run", request=record,
                           reason=self.run.reason)
        return call

    async def _send(self, call: PreparedCall) -> ChatAnswer:
        try:
            reply = await self.access.provider.send(await self.access.http(), call,
                                                    self.access.context())
        except ProviderError as exc:
            self.joblog.append(self.access.info.id, self.run.id, "failed", error=exc.message)
            raise AssistError(self.redactor.text(exc.message), self.run.id) from None
        self._answers += 1
        self.joblog.export_response(self.access.info.id, self.run.id,
                                    f"answer-{self._answers:02d}", reply.body)
        return reply


def _usable(reply: ChatAnswer, answer: type[M]) -> M:
    if reply.refusal:
        raise Unusable(f"the model refused: {reply.refusal}", refused=True)
    if not reply.content:
        why = "the model sent an empty answer"
        if reply.finish_reason == "length":
            why += " (it ran out of tokens: raise the assistant's max tokens)"
        raise Unusable(why, refused=False)
    try:
        return parse_answer(reply.content, answer)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the answer"
        raise Unusable(f"the answer does not follow the schema ({where}: {first['msg']})",
                       refused=False) from None
    except ValueError:
        cut = " (it ran out of tokens)" if reply.finish_reason == "length" else ""
        raise Unusable(f"the answer is not valid JSON{cut}", refused=False) from None


def _words(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)
