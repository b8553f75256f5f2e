"""An OpenAI-compatible chat endpoint under /assistant (stands in for
https://api.openai.com/v1 and the servers that copy it: OpenRouter, Ollama, llama.cpp).

`POST /chat/completions` takes text and vision messages (content parts with `image_url`
https or base64 data URLs) and `response_format` (text, json_object, json_schema with
OpenAI's strict-mode rules), and answers deterministically from the request
(chat_answers). Faults: `refuse_answer` (a refusal in `message.refusal`),
`malformed_answer` (content that breaks its schema), `throttle_next` (the answer takes
`seconds`, a slow model), plus the shared ones.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .chat_answers import (
    AnswerError,
    conversation,
    decode_data_url,
    instance,
    text_answer,
    text_of,
)
from .gateway import Dialect, provider_route, unknown_route
from .state import SandboxState

PROVIDER = "assistant"
MODELS = ("gpt-4o-mini", "gpt-4o", "sandbox-chat")
ROLES = ("system", "developer", "user", "assistant")
REFUSAL = "I'm sorry, but I can't help with that request."


def _error(status: int, message: str, *, param: str | None = None,
           code: str | None = None) -> Response:
    kind = {401: "authentication_error", 429: "rate_limit_error"}.get(
        status, "server_error" if status >= 500 else "invalid_request_error")
    return JSONResponse({"error": {"message": message, "type": kind, "param": param,
                                   "code": code}}, status_code=status)


def _authorize(request: Request) -> Response | None:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme not in ("Bearer", "Key") or not key.strip():
        return _error(401, "You didn't provide an API key. You need to provide your API key "
                      "in an Authorization header using Bearer auth (i.e. Authorization: "
                      "Bearer YOUR_KEY).", code="invalid_api_key")
    return None


DIALECT = Dialect(PROVIDER, _authorize, _error)


class BadRequest(ValueError):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def _check_messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty array", "messages")
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise BadRequest(f"Invalid value for '{where}.role': expected one of "
                             f"{', '.join(ROLES)}", f"{where}.role")
        content = message.get("content")
        if isinstance(content, str):
            continue
        if not isinstance(content, list) or not content:
            raise BadRequest(f"Invalid type for '{where}.content': expected a string or an "
                             "array of content parts", f"{where}.content")
        for j, part in enumerate(content):
            _check_part(part, f"{where}.content[{j}]")
    return messages


def _check_part(part: Any, where: str) -> None:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind == "text" and isinstance(part.get("text"), str):
        return
    if kind != "image_url":
        raise BadRequest(f"Invalid content part at '{where}': expected type 'text' or "
                         "'image_url'", where)
    image = part.get("image_url")
    if not isinstance(image, dict):
        raise BadRequest(f"Invalid type for '{where}.image_url': expected an object, but got "
                         f"{type(image).__name__} instead.", f"{where}.image_url")
    url = image.get("url")
    if not isinstance(url, str) or not (url.startswith("https://") or url.startswith("data:")):
        raise BadRequest(f"Invalid '{where}.image_url.url': expected an https URL or a "
                         "base64-encoded data URL.", f"{where}.image_url.url")
    if url.startswith("data:") and decode_data_url(url) is None:
        raise BadRequest("You uploaded an unsupported image. Please make sure your image is "
                         "valid (png, jpeg, gif or webp, base64-encoded).",
                         f"{where}.image_url.url")
    if image.get("detail", "auto") not in ("auto", "low", "high"):
        raise BadRequest(f"Invalid '{where}.image_url.detail'", f"{where}.image_url.detail")


def _check_format(fmt: Any) -> Mapping[str, Any] | None:
    """The JSON schema to answer with (None for text); BadRequest like OpenAI's."""
    if fmt is None:
        return None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "object", "properties": {"answer": {"type": "string"}}}
    if kind != "json_schema":
        raise BadRequest("Invalid 'response_format.type': expected text, json_object or "
                         "json_schema", "response_format.type")
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise BadRequest("Missing required parameter: 'response_format.json_schema.name'.",
                         "response_format.json_schema.name")
    schema = spec.get("schema")
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise BadRequest("Invalid schema for response_format: the root must be an object",
                         "response_format.json_schema.schema")
    if spec.get("strict"):
        _check_strict(schema, schema.get("$defs") or {}, "()")
    return schema


def _check_strict(schema: Mapping[str, Any], defs: Mapping[str, Any], where: str) -> None:
    """OpenAI's strict-mode rules: every object closed and every property required."""
    if schema.get("type") == "object":
        props = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False:
            raise BadRequest(f"Invalid schema for response_format: In context={where}, "
                             "'additionalProperties' is required to be supplied and to be "
                             "false.", "response_format")
        missing = sorted(set(props) - set(schema.get("required") or []))
        if missing:
            raise BadRequest(f"Invalid schema for response_format: In context={where}, "
                             f"'required' is required to be supplied and to be an array "
                             f"including every key in properties. Missing '{missing[0]}'.",
                             "response_format")
        for key, sub in props.items():
            _check_strict(sub, {}, f"{where}, {key}")
    if isinstance(schema.get("items"), dict):
        _check_strict(schema["items"], {}, f"{where}, items")
    for option in schema.get("anyOf") or ():
        _check_strict(option, {}, f"{where}, anyOf")
    for name, sub in defs.items():
        _check_strict(sub, {}, f"$defs, {name}")


def _completion(model: str, content: str | None, refusal: str | None,
                messages: list[dict[str, Any]]) -> dict[str, Any]:
    seed = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()
    prompt_tokens = sum(len(text_of(m.get("content")).split()) for m in messages)
    answer_tokens = len((content or refusal or "").split())
    return {
        "id": f"chatcmpl-{seed[:24]}",
        "object": "chat.completion",
        "created": 1_760_000_000,
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant", "content": content,
                                 "refusal": refusal}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": answer_tokens,
                  "total_tokens": prompt_tokens + answer_tokens},
    }


def routes(state: SandboxState) -> list[Route]:
    async def complete(request: Request, body: bytes) -> Response:
        try:
            data = json.loads(body)
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.")
        if not isinstance(data, dict):
            return _error(400, "The body of your request must be a JSON object.")
        model = data.get("model")
        if not isinstance(model, str) or not model:
            return _error(400, "you must provide a model parameter", param="model")
        if model not in MODELS:
            return _error(404, f"The model `{model}` does not exist or you do not have access "
                          "to it.", param="model", code="model_not_found")
        try:
            messages = _check_messages(data.get("messages"))
            schema = _check_format(data.get("response_format"))
        except BadRequest as exc:
            return _error(400, str(exc), param=exc.param)
        slow = state.faults.take("throttle_next", PROVIDER)
        if slow is not None:
            await asyncio.sleep(float(slow.options.get("seconds", 1)))
        if state.faults.take("refuse_answer", PROVIDER) is not None:
            return JSONResponse(_completion(model, None, REFUSAL, messages))
        talk = conversation(messages)
        try:
            content = text_answer(talk) if schema is None else json.dumps(instance(schema, talk))
        except AnswerError as exc:
            return _error(400, f"Invalid schema for response_format: {exc}",
                          param="response_format")
        if schema is not None and state.faults.take("malformed_answer", PROVIDER) is not None:
            content = content[: max(1, len(content) // 2)]  # cut mid-object: not JSON
        return JSONResponse(_completion(model, content, None, messages))

    async def models(request: Request, body: bytes) -> Response:
        return JSONResponse({"object": "list", "data": [
            {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "sandbox"}
            for m in MODELS]})

    return [
        provider_route(state, DIALECT, "/chat/completions", complete, ["POST"]),
        provider_route(state, DIALECT, "/models", models, ["GET"]),
        unknown_route(state, DIALECT, "The assistant serves POST /chat/completions and "
                      "GET /models."),
    ]
