"""The chat emulator over real HTTP: OpenAI's request rules (auth, messages, vision parts,
strict JSON schemas), answers derived deterministically from the request, fault switches."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from studio.sandbox import SandboxServer

SCHEMA = {"type": "object", "additionalProperties": False,
          "required": ["prompt", "tags", "score", "palette", "verdict"],
          "properties": {
              "prompt": {"type": "string"},
              "tags": {"type": "array", "items": {"type": "string"}, "minItems": 4,
                       "maxItems": 4},
              "score": {"type": "integer", "minimum": 10, "maximum": 20},
              "palette": {"type": "array", "maxItems": 2, "items": {"$ref": "#/$defs/C"}},
              "verdict": {"enum": ["approved", "needs_revision"], "type": "string"}},
          "$defs": {"C": {"type": "object", "additionalProperties": False,
                          "required": ["name", "hex"],
                          "properties": {"name": {"type": "string"},
                                         "hex": {"type": "string"}}}}}


@pytest.fixture
def chat(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer sk-test"}
    with httpx.Client(base_url=f"{sandbox.url}/assistant", headers=headers,
                      timeout=10) as client:
        yield client


def body(content, schema=SCHEMA, strict=True, model="gpt-4o-mini") -> dict:
    data = {"model": model, "messages": [{"role": "system", "content": "Answer in JSON."},
                                         {"role": "user", "content": content}]}
    if schema is not None:
        data["response_format"] = {"type": "json_schema", "json_schema": {
            "name": "answer", "strict": strict, "schema": schema}}
    return data


def png_url(colour) -> str:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def content_of(response: httpx.Response):
    assert response.status_code == 200, response.text
    message = response.json()["choices"][0]["message"]
    return json.loads(message["content"])


def test_a_schema_answer_is_valid_and_made_of_the_prompts_words(chat):
    answer = content_of(chat.post("/chat/completions", json=body("Prompt: a red fox in snow")))
    assert set(answer) == set(SCHEMA["properties"])
    assert answer["prompt"].startswith("a red fox in snow")
    assert len(answer["tags"]) == 4 and 10 <= answer["score"] <= 20
    assert len(answer["palette"]) == 2 and all(c["hex"].startswith("#") for c in
                                                answer["palette"])
    assert answer["verdict"] in ("approved", "needs_revision")
    again = content_of(chat.post("/chat/completions", json=body("Prompt: a red fox in snow")))
    assert again == answer  # derived from the request: the same request, the same answer
    other = content_of(chat.post("/chat/completions", json=body("Prompt: a blue whale")))
    assert other["prompt"].startswith("a blue whale")


def test_vision_parts_are_read_and_colours_come_from_the_image(chat):
    parts = [{"type": "text", "text": "Analyze this image"},
             {"type": "image_url", "image_url": {"url": png_url((220, 20, 30))}}]
    answer = content_of(chat.post("/chat/completions", json=body(parts)))
    assert {c["hex"] for c in answer["palette"]} == {"#dc141e"}
    url = [{"type": "image_url", "image_url": {"url": "https://cdn.test/a.png",
                                               "detail": "low"}}]
    assert chat.post("/chat/completions", json=body(url)).status_code == 200


@pytest.mark.parametrize(("part", "words"), [
    ({"type": "image_url", "image_url": "https://cdn.test/a.png"}, "expected an object"),
    ({"type": "image_url", "image_url": {"url": "http://cdn.test/a.png"}}, "https URL"),
    ({"type": "image_url", "image_url": {"url": "data:image/png;base64,bm90IGFuIGltYWdl"}},
     "unsupported image"),
    ({"type": "video", "video": "x"}, "expected type 'text' or 'image_url'"),
])
def test_bad_vision_parts_are_refused_like_openai(chat, part, words):
    response = chat.post("/chat/completions", json=body([part]))
    assert response.status_code == 400
    error = response.json()["error"]
    assert words in error["message"] and error["type"] == "invalid_request_error"
    assert error["param"].startswith("messages[1].content[0]")


def test_strict_schemas_must_close_every_object_and_require_every_field(chat):
    open_object = {**SCHEMA, "additionalProperties": True}
    response = chat.post("/chat/completions", json=body("x", open_object))
    assert response.status_code == 400
    assert "'additionalProperties' is required" in response.json()["error"]["message"]
    optional = {**SCHEMA, "required": ["prompt"]}
    response = chat.post("/chat/completions", json=body("x", optional))
    assert "Missing 'palette'" in response.json()["error"]["message"]
    loose_def = json.loads(json.dumps(SCHEMA))
    loose_def["$defs"]["C"]["required"] = ["name"]
    response = chat.post("/chat/completions", json=body("x", loose_def))
    assert response.status_code == 400 and "$defs, C" in response.json()["error"]["message"]
    assert chat.post("/chat/completions", json=body("x", optional, strict=False)
                     ).status_code == 200


def test_auth_model_and_message_shape_are_checked(chat, sandbox):
    response = httpx.post(f"{sandbox.url}/assistant/chat/completions", json=body("x"))
    assert response.status_code == 401 and "API key" in response.json()["error"]["message"]
    fal_style = httpx.post(f"{sandbox.url}/assistant/chat/completions", json=body("x"),
                           headers={"Authorization": "Key abc:def"})
    assert fal_style.status_code == 200
    assert chat.post("/chat/completions", json=body("x", model="nope")).status_code == 404
    assert chat.post("/chat/completions", json={"model": "gpt-4o-mini", "messages": []}
                     ).status_code == 400
    text = chat.post("/chat/completions", json=body("a quiet harbour at night", schema=None))
    assert text.json()["choices"][0]["message"]["content"].endswith(".")
    assert chat.get("/models").json()["data"][0]["object"] == "model"
    assert chat.post("/embeddings", json={}).status_code == 404


def test_refusal_and_malformed_answer_switches(chat, admin):
    admin.post("/faults", json={"refuse_answer": 1, "malformed_answer": 1}).raise_for_status()
    refused = chat.post("/chat/completions", json=body("x")).json()["choices"][0]["message"]
    assert refused["content"] is None and "can't help" in refused["refusal"]
    cut = chat.post("/chat/completions", json=body("x")).json()["choices"][0]["message"]
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut["content"])
    assert content_of(chat.post("/chat/completions", json=body("x")))  # switches used up
    recorded = admin.get("/requests", params={"provider": "assistant"}).json()
    assert len(recorded) == 3 and recorded[0]["headers"]["authorization"].startswith(
        "Bearer <redacted")
