"""The API token: kept in the keyring when it can be, in memory otherwise; never logged."""

from studio.api.auth import ENTRY, ApiToken, bearer
from studio.core.redaction import Redactor
from studio.core.secrets import SERVICE, KeyStore


def test_token_lives_in_the_keyring_and_survives_a_restart(memory_keyring):
    first = ApiToken(KeyStore({}))
    assert first.peek() is None and memory_keyring.items == {}  # peeking makes nothing
    value = first.value
    assert len(value) >= 40 and first.persistent
    assert memory_keyring.items[(SERVICE, ENTRY)] == value
    again = ApiToken(KeyStore({}))
    assert again.peek() == value and again.value == value
    new = again.regenerate()
    assert new != value and memory_keyring.items[(SERVICE, ENTRY)] == new
    assert again.matches(new) and not again.matches(value)
    assert not again.matches(None) and not again.matches("")


def test_without_a_secure_keyring_the_token_is_for_this_session_only(no_keyring):
    redactor = Redactor()
    token = ApiToken(KeyStore({}), redactor)
    value = token.value
    assert not token.persistent and "in memory" in token.where
    assert ApiToken(KeyStore({})).value != value
    assert value not in redactor.text(f"token={value} and {value}")  # never logged


def test_bearer_header_parsing():
    assert bearer("Bearer abc") == "abc" and bearer("bearer  abc ") == "abc"
    assert bearer("Basic abc") is None and bearer("Bearer ") is None and bearer(None) is None
