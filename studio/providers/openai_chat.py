"""An OpenAI-compatible chat endpoint: `POST {base}/chat/completions`.

One adapter serves OpenAI (https://api.openai.com/v1), OpenRouter
(https://openrouter.ai/api/v1), a local Ollama (http://localhost:11434/v1; it needs a key
but ignores it: store any word, e.g. "ollama") or llama.cpp server
(http://localhost:8080/v1), and fal's OpenAI-compatible LLM route
(https://fal.run/openrouter/router/openai/v1 with `Authorization: Key <FAL key>`: set the
assistant's auth scheme to `Key`).

Field names are OpenAI's: https://platform.openai.com/docs/api-reference/chat/create .
Images are content parts `{"type": "image_url", "image_url": {"url", "detail"}}` with an
https URL or a base64 `data:` URL (https://platform.openai.com/docs/guides/images-vision).
Structured outputs: `response_format = {"type": "json_schema", "json_schema": {"name",
"strict", "schema"}}`; a model that refuses puts its words in `message.refusal` and leaves
`content` null (https://platform.openai.com/docs/guides/structured-outputs). `max_tokens`
(not OpenAI's newer `max_completion_tokens`) is what every one of these servers accepts.
"""

from __future__ import annotations

from typing import Any

import httpx

from studio.providers.base import PreparedCall, ProviderContext, ProviderError
from studio.providers.chat import ChatAnswer, ChatMessage, ChatProvider, ChatRequest
from studio.providers.http import json_object, parse_json, send
from studio.providers.info import KeySpec, ProviderInfo

AUTH_SCHEMES = ("Bearer", "Key")


class OpenAIChat(ChatProvider):
    info = ProviderInfo(
        id="assistant",
        name="Assistant (OpenAI-compatible chat)",
        kinds=(),
        key=KeySpec(env=("STUDIO_ASSISTANT_API_KEY",), keyring_entry="assistant",
                    label="Assistant API key"),
        docs_url="https://platform.openai.com/docs/api-reference/chat/create",
        pricing_url="https://openai.com/api/pricing/",
        default_base_url="https://api.openai.com/v1",
        notes="Prompt help, image analysis, storyboards and judging; any OpenAI-compatible "
              "chat endpoint (OpenAI, OpenRouter, Ollama, llama.cpp, fal).",
        families={},
        sandbox="studio.sandbox.chat:routes",
    )

    def build(self, request: ChatRequest, ctx: ProviderContext) -> PreparedCall:
        scheme = str(ctx.options.get("auth_scheme") or "Bearer")
        if scheme not in AUTH_SCHEMES:
            raise ProviderError(f"auth scheme {scheme!r}: use one of {', '.join(AUTH_SCHEMES)}",
                                code="bad_settings")
        body: dict[str, Any] = {"model": request.model,
                                "messages": [_message(m) for m in request.messages]}
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        if request.schema is not None:
            body["response_format"] = {"type": "json_schema", "json_schema": {
                "name": request.schema.name, "strict": request.schema.strict,
                "schema": dict(request.schema.schema)}}
        headers = {"Authorization": f"{scheme} {ctx.key or ''}".strip(),
                   "Content-Type": "application/json"}
        return PreparedCall("POST", f"{ctx.base_url}/chat/completions", headers, body)

    async def send(self, http: httpx.AsyncClient, call: PreparedCall,
                   ctx: ProviderContext) -> ChatAnswer:
        what = "the assistant"
        response = await send(http, call.method, call.url, what, **call.send_kwargs())
        return read_answer(parse_json(response, what))


def _message(message: ChatMessage) -> dict[str, Any]:
    """Text alone as a string; with images, content parts (text first)."""
    if not message.images:
        return {"role": message.role, "content": message.text}
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.text}]
    parts += [{"type": "image_url", "image_url": {"url": i.url, "detail": i.detail}}
              for i in message.images]
    return {"role": message.role, "content": parts}


def read_answer(body: Any) -> ChatAnswer:
    """The first choice of a chat completion; ProviderError when the shape is not one."""
    choices = json_object(body).get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ProviderError("the assistant answered without any choice (not a chat "
                            "completion)", code="malformed_response")
    message = json_object(choices[0].get("message"))
    content = message.get("content")
    if isinstance(content, list):  # some servers answer in content parts
        content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    refusal = message.get("refusal")
    return ChatAnswer(
        content=content if isinstance(content, str) else None,
        refusal=refusal if isinstance(refusal, str) and refusal else None,
        finish_reason=choices[0].get("finish_reason"),
        model=body.get("model") if isinstance(body.get("model"), str) else None,
        usage=json_object(body.get("usage")),
        body=body,
    )


ASSISTANT = OpenAIChat
