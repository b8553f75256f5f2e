"""The OpenAI-compatible chat adapter: the exact request (text, vision parts, structured
outputs, auth scheme), reading answers and refusals, and errors in words."""

import base64
import json

import httpx
import pytest

from studio.providers.base import ProviderContext, ProviderError
from studio.providers.chat import AnswerSchema, ChatImage, ChatMessage, ChatRequest
from studio.providers.openai_chat import OpenAIChat, read_answer

CTX = ProviderContext(base_url="https://api.example.test/v1", key="sk-test-123456789")
SCHEMA = AnswerSchema("enhancedprompt", {"type": "object", "properties": {"prompt": {
    "type": "string"}}, "required": ["prompt"], "additionalProperties": False})
PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG fake").decode()


def test_a_text_request_is_openais_chat_completion():
    call = OpenAIChat().build(ChatRequest(
        "gpt-4o-mini", (ChatMessage("system", "be brief"), ChatMessage("user", "hi")),
        SCHEMA, temperature=0.2, max_tokens=300), CTX)
    assert (call.method, call.url) == ("POST", "https://api.example.test/v1/chat/completions")
    assert call.headers["Authorization"] == "Bearer sk-test-123456789"
    assert call.json_body == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "be brief"},
                     {"role": "user", "content": "hi"}],
        "temperature": 0.2, "max_tokens": 300,
        "response_format": {"type": "json_schema", "json_schema": {
            "name": "enhancedprompt", "strict": True, "schema": dict(SCHEMA.schema)}}}
    record = call.record()
    assert record["headers"]["Authorization"] == "Bearer ***"
    assert "sk-test" not in json.dumps(record)


def test_images_are_content_parts_after_the_text():
    call = OpenAIChat().build(ChatRequest("gpt-4o", (ChatMessage(
        "user", "what is this?", (ChatImage(PNG), ChatImage("https://x.test/a.jpg", "low"))),
    )), CTX)
    [message] = call.json_body["messages"]
    assert message["content"] == [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": PNG, "detail": "auto"}},
        {"type": "image_url", "image_url": {"url": "https://x.test/a.jpg", "detail": "low"}}]
    assert "response_format" not in call.json_body and "temperature" not in call.json_body


def test_fal_wants_its_own_auth_scheme_and_a_bad_one_is_refused():
    ctx = ProviderContext(base_url="https://fal.run/openrouter/router/openai/v1", key="k:s",
                          options={"auth_scheme": "Key"})
    request = ChatRequest("google/gemini-2.5-flash", (ChatMessage("user", "hi"),))
    call = OpenAIChat().build(request, ctx)
    assert call.headers["Authorization"] == "Key k:s"
    assert call.url == "https://fal.run/openrouter/router/openai/v1/chat/completions"
    with pytest.raises(ProviderError, match="auth scheme 'Token'"):
        OpenAIChat().build(request, ProviderContext("https://x.test", "k",
                                                    options={"auth_scheme": "Token"}))


def test_a_chat_image_is_an_https_or_data_url():
    with pytest.raises(ValueError, match="https:// URL or a data:image"):
        ChatImage("http://insecure.test/a.png")
    with pytest.raises(ValueError, match="schema name"):
        AnswerSchema("has spaces", {})


def test_reading_answers_refusals_and_shapes_that_are_not_completions():
    answer = read_answer({"model": "m", "choices": [{"finish_reason": "stop", "message": {
        "role": "assistant", "content": '{"prompt": "x"}', "refusal": None}}],
        "usage": {"total_tokens": 9}})
    assert (answer.content, answer.refusal, answer.finish_reason) == ('{"prompt": "x"}', None,
                                                                      "stop")
    assert answer.usage == {"total_tokens": 9} and answer.model == "m"
    refused = read_answer({"choices": [{"message": {"content": None, "refusal": "no."}}]})
    assert refused.content is None and refused.refusal == "no."
    parts = read_answer({"choices": [{"message": {"content": [{"type": "text", "text": "a"},
                                                              {"type": "text", "text": "b"}]}}]})
    assert parts.content == "ab"
    for body in ({}, {"choices": []}, {"choices": ["x"]}, ["not", "an", "object"]):
        with pytest.raises(ProviderError, match="without any choice"):
            read_answer(body)


async def test_http_errors_become_words_a_user_can_act_on():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": "Incorrect API key provided",
                                                   "type": "invalid_request_error"}})

    call = OpenAIChat().build(ChatRequest("m", (ChatMessage("user", "hi"),)), CTX)
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(ProviderError) as caught:
            await OpenAIChat().send(http, call, CTX)
    assert "refused the key" in caught.value.message
    assert "Incorrect API key provided" in caught.value.message
