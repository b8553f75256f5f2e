"""The shared error mapping: one raise_for_status for every adapter, with the per-provider
words and the JSON-body Retry-After only where a provider documents it."""

import httpx
import pytest

from studio.providers.base import ProviderError
from studio.providers.http import raise_for_status


def raised(response: httpx.Response, **kw) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        raise_for_status(response, "Submit", **kw)
    return info.value


def test_a_body_retry_after_counts_only_where_the_provider_documents_it():
    limited = httpx.Response(429, json={"error": "rate_limited", "retry_after": 7},
                             headers={"Retry-After": "2"})
    assert raised(limited).retry_after == 2.0  # the header, as HTTP says
    assert raised(limited, retry_after_in_body=True).retry_after == 7.0
    bare = httpx.Response(429, json={"retry_after": 7})
    assert raised(bare).retry_after is None


def test_provider_words_and_detail_lists_name_the_fields():
    error = raised(httpx.Response(400, json={
        "error": "validation_error", "message": "Invalid request",
        "details": [{"field": "cfg", "message": "must be between 1.0 and 20.0"}]}),
        friendly={400: "Vivid Flow rejected the request"})
    assert error.message == ("Submit: Vivid Flow rejected the request (HTTP 400): Invalid "
                             "request: cfg: must be between 1.0 and 20.0")
    assert not error.retryable
