"""--param text read by the type of the model's field, for every kind of field a params
model declares; what fits no rule is passed on as text for pydantic to name."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from studio.cli.common import UsageError
from studio.cli.params import coerce_param, parse_params


class Look(enum.Enum):
    CALM = "calm"
    WILD = "wild"


class Params(BaseModel):
    duration: Literal[5, 10] = 5
    fps: Literal[24.0, 29.97] = 24.0
    loop: Literal[True, False, "auto"] = "auto"
    audio: bool = False
    steps: Annotated[int, Field(ge=1, le=50)] = 20
    cfg: float = 3.5
    tags: list[str] = []
    sizes: list[int] = []
    seed_or_auto: int | Literal["auto"] = "auto"
    strength: float | None = None
    look: Look = Look.CALM
    extra: dict[str, Any] = {}
    note: str = ""


FIELDS = Params.model_fields


@pytest.mark.parametrize(("key", "text", "value"), [
    ("duration", "5", 5), ("duration", "10.0", 10), ("fps", "29.97", 29.97),
    ("loop", "true", True), ("loop", "auto", "auto"), ("audio", "no", False),
    ("audio", "ON", True), ("steps", "12", 12), ("steps", "3.0", 3), ("cfg", "4", 4.0),
    ("tags", "a, b ,c", ["a", "b", "c"]), ("tags", '["x,y"]', ["x,y"]),
    ("sizes", "512,768", [512, 768]), ("seed_or_auto", "42", 42),
    ("seed_or_auto", "auto", "auto"), ("strength", "none", None), ("strength", "0.5", 0.5),
    ("look", "wild", "wild"), ("look", "WILD", "wild"), ("extra", '{"a": [1]}', {"a": [1]}),
    ("note", "5", "5"), ("note", "  spaced  ", "  spaced  "),
])
def test_each_kind_of_field(key, text, value):
    coerced = parse_params([f"{key}={text}"], FIELDS)[key]
    assert coerced == value and type(coerced) is type(value)
    Params.model_validate({key: coerced})  # and pydantic takes it as it is


@pytest.mark.parametrize(("key", "text", "error"), [
    ("duration", "7", "duration"), ("audio", "maybe", "audio"), ("steps", "2.5", "steps"),
    ("cfg", "loud", "cfg"), ("sizes", "512,big", "sizes"),
])
def test_what_fits_no_rule_is_left_for_pydantic_to_name(key, text, error):
    params = parse_params([f"{key}={text}"], FIELDS)
    with pytest.raises(ValidationError) as exc:
        Params.model_validate(params)
    assert error in str(exc.value)


def test_json_for_a_dict_and_bad_input():
    with pytest.raises(UsageError, match="invalid JSON"):
        coerce_param("extra", "not json", dict[str, Any])
    with pytest.raises(UsageError, match="levels deep"):
        coerce_param("tags", "[" * 1000 + "]" * 1000, list[str])
    with pytest.raises(UsageError, match="KEY=VALUE"):
        parse_params(["novalue"], FIELDS)
    assert parse_params(["unknown=7"], FIELDS) == {"unknown": "7"}  # pydantic reports it
