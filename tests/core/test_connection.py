"""Test connection with a typed key: the typed key is the one sent, and it never shows up
in the message even when the provider echoes it."""

import httpx

from studio.core.service import Studio

TYPED = "sk-typed-5b0c2f9d8e7a6b5c4d3e2f1a"


def _stability(request: httpx.Request) -> httpx.Response:
    auth = request.headers.get("authorization", "")
    if request.url.path == "/v1/user/balance" and auth == f"Bearer {TYPED}":
        return httpx.Response(200, json={"credits": 123.5})
    return httpx.Response(401, json={"name": "unauthorized",
                                      "errors": [f"bad key {auth.partition(' ')[2]}"]})


async def test_the_typed_key_is_used_and_never_echoed(home, memory_keyring):
    studio = Studio(home, env={}, transport=httpx.MockTransport(_stability))
    try:
        ok, text = await studio.check_typed_key("stability", TYPED)
        assert ok and "123.5 credits" in text and "Save to keep it" in text
        assert not studio.key_for("stability").present  # nothing was stored
        ok, text = await studio.check_typed_key("stability", "sk-wrong-1234567890abcdef")
        assert not ok and "sk-wrong" not in text
        ok, text = await studio.check_typed_key("stability", "   ")
        assert not ok and "No key" in text  # nothing typed: the stored key is tested
    finally:
        await studio.aclose()
