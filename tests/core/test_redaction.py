import logging

from hypothesis import given
from hypothesis import strategies as st

from studio.core.redaction import RedactingFilter, Redactor
from tests.conftest import TEST_KEY

keys = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=8,
               max_size=80)


@given(key=keys, before=st.text(max_size=40), after=st.text(max_size=40))
def test_known_key_never_survives(key, before, after):
    r = Redactor([key])
    assert key not in r.text(before + key + after)
    assert key not in str(r.value({"a": [before + key], "b": {"c": key + after}}))


def test_headers_and_query_strings():
    r = Redactor()
    assert r.headers({"Authorization": "Key abc", "X-Runway-Version": "2024-11-06"}) == {
        "Authorization": "Key ***", "X-Runway-Version": "2024-11-06"}
    assert r.headers({"X-API-Key": "raw"}) == {"X-API-Key": "***"}
    assert r.text("GET https://x/y?api_key=abc123&z=1") == "GET https://x/y?api_key=***&z=1"
    assert r.text("Authorization: Bearer key_0123456789abcdef") == "Authorization: Bearer ***"


def test_logging_filter_scrubs_args_and_extras(caplog):
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactingFilter(Redactor([TEST_KEY])))
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info("sent %s", TEST_KEY, extra={"body": {"k": TEST_KEY}})
    record = caplog.records[-1]
    assert TEST_KEY not in record.getMessage()
    assert TEST_KEY not in str(record.body)
