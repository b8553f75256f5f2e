"""--param KEY=VALUE: the text coerced by the type of the model's field, so that
`duration=5` is the integer 5 a `Literal[5, 10]` wants and `audio=no` is False.

Coercion only picks the value pydantic should see; validation stays pydantic's: a value
that fits no rule is passed on as text and the error names the field.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from studio.cli.common import UsageError
from studio.core import safe_json

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_NONE = {"null", "none"}


class _NoMatch(ValueError):
    """The text does not read as this type."""


def split_param(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"--param {item!r}: expected KEY=VALUE")
    return key.strip(), value


def parse_params(items: list[str],
                 fields: Mapping[str, FieldInfo] | None = None) -> dict[str, Any]:
    """KEY=VALUE pairs, each value coerced by its field in `fields` (the params model's
    `model_fields`); keys the model lacks are passed on for pydantic to report."""
    params: dict[str, Any] = {}
    for item in items:
        key, text = split_param(item)
        field = (fields or {}).get(key)
        params[key] = coerce_param(key, text, field.annotation if field else None)
    return params


def coerce_param(key: str, text: str, annotation: Any) -> Any:
    """The value for one --param; raises UsageError only for JSON that cannot be read.
    A value that starts with [ or { is JSON whatever the field (pydantic judges it)."""
    if text.lstrip()[:1] in ("[", "{"):
        return _json(key, text)
    if annotation is None:  # a field this model does not have: passed on as given
        return text
    try:
        return _coerce(annotation, text, key)
    except _NoMatch:
        return text


def _coerce(annotation: Any, text: str, key: str) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _coerce(args[0], text, key)
    if origin is typing.Literal:
        return _literal(args, text)
    if origin in (typing.Union, types.UnionType):
        return _union(args, text, key)
    if origin in (list, tuple, set, frozenset):
        return _sequence(args[0] if args else Any, text, key)
    if origin is dict or annotation is dict or _is_model(annotation):
        return _json(key, text)
    if annotation is Any:
        return text
    if annotation is bool:
        return _bool(text)
    if annotation is int:
        return _int(text)
    if annotation is float:
        return _float(text)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _enum(annotation, text)
    return text


def _literal(choices: tuple[Any, ...], text: str) -> Any:
    text = text.strip()
    for choice in choices:
        if isinstance(choice, bool):
            if text.lower() in (_TRUE if choice else _FALSE):
                return choice
        elif isinstance(choice, int | float):
            try:
                if float(text) == choice:
                    return choice
            except ValueError:
                continue
        elif isinstance(choice, enum.Enum):
            if text in (str(choice.value), choice.name):
                return choice
        elif str(choice) == text:
            return choice
    raise _NoMatch(text)


def _union(arms: tuple[Any, ...], text: str, key: str) -> Any:
    if type(None) in arms and text.strip().lower() in _NONE:
        return None
    # Narrow types first, so "5" for `int | str` is 5, and "auto" still fits the str.
    ordered = sorted((a for a in arms if a is not type(None)), key=lambda a: a is str)
    for arm in ordered:
        try:
            return _coerce(arm, text, key)
        except _NoMatch:
            continue
    raise _NoMatch(text)


def _sequence(item: Any, text: str, key: str) -> list[Any]:
    """a,b,c (a JSON array was read before coercion)."""
    if not text.strip():
        return []
    return [_item(item, part.strip(), key) for part in text.split(",")]


def _item(annotation: Any, text: str, key: str) -> Any:
    try:
        return _coerce(annotation, text, key)
    except _NoMatch:
        return text


def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise _NoMatch(text)


def _int(text: str) -> int:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        raise _NoMatch(text) from None
    if not number.is_integer():
        raise _NoMatch(text)  # pydantic says "should be a valid integer"
    return int(number)


def _float(text: str) -> float:
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        raise _NoMatch(text) from None


def _enum(annotation: type[enum.Enum], text: str) -> Any:
    text = text.strip()
    for member in annotation:
        if text in (str(member.value), member.name):
            return member.value
    raise _NoMatch(text)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _json(key: str, text: str) -> Any:
    try:
        return safe_json.loads(text)
    except safe_json.JsonTooDeep as exc:
        raise UsageError(f"--param {key}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"--param {key}: invalid JSON ({exc.msg})") from None
