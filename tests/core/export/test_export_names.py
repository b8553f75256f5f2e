"""Naming templates: safe characters, helpful errors, numbering and collisions."""

import time

import pytest

from studio.core.export.names import (
    NameFields,
    TemplateError,
    check_template,
    render_names,
    safe_stem,
)


def fields(**kw) -> NameFields:
    base = dict(created_at=time.mktime((2025, 3, 9, 14, 5, 1, 0, 0, -1)), provider="fal",
                model="fal-ai/flux/dev", mode="txt2img", seed=42, output=0,
                job_id="0123456789abcdef", asset_id="fedcba9876543210", group=None,
                prompt="A fox: in the snow / at dawn?", rating=None)
    return NameFields(**{**base, **kw})


def test_default_style_template():
    names = render_names("{date}_{provider}_{model}_{seed}_{index}",
                         [(fields(), ".png"), (fields(seed=None), ".mp4")])
    assert names == ["2025-03-09_fal_fal-ai-flux-dev_42_001.png",
                     "2025-03-09_fal_fal-ai-flux-dev_002.mp4"]  # no seed: no empty part


@pytest.mark.parametrize("template, expected", [
    ("{prompt}", "A-fox-in-the-snow-at-dawn.png"),  # slashes never make folders
    ("../../{job}", "0123456789abcdef"[:8] + ".png"),
    ("{time}-{asset}-{output}", "140501-fedcba98-0.png"),
    ("café {provider} 東京", "cafe-fal.png"),
    ("con", "_con.png"),  # a reserved device name on Windows
    ("...", "output.png"),
    ("{index:0>5}", "00001.png"),  # a format spec pads further
])
def test_names_use_safe_characters_only(template, expected):
    [name] = render_names(template, [(fields(), ".png")])
    assert name == expected


@pytest.mark.parametrize("template, words", [
    ("{date}_{user}", "unknown field {user}"),
    ("{provider.__class__}", "unknown field"),
    ("{date", "unbalanced"),
    ("  ", "empty"),
])
def test_bad_templates_say_what_is_wrong(template, words):
    with pytest.raises(TemplateError, match=words.replace("{", r"\{").replace("}", r"\}")):
        check_template(template)


def test_collisions_with_the_folder_and_within_the_export():
    rows = [(fields(), ".png")] * 3
    taken = ["FAL.png", "fal-2.png.json"]  # a name is taken when its sidecar is
    assert render_names("{provider}", rows, taken) == ["fal-3.png", "fal-4.png", "fal-5.png"]


def test_long_names_are_cut():
    assert len(safe_stem("x" * 500)) == 120
