from typing import Literal

import pytest
from pydantic import BaseModel, Field

from studio.providers.fal import FluxDevImg2ImgParams, FluxDevParams
from studio.ui.widgets.param_form import ParamForm

pytestmark = pytest.mark.gui


class Sample(BaseModel):
    steps: int = Field(28, ge=1, le=50, description="Denoising steps")
    strength: float = Field(0.75, ge=0, le=1, description="How much to change")
    size: Literal["square", "wide"] = Field("wide", description="Shape")
    safe: bool = Field(True, description="Filter")
    moves: list[dict] | None = Field(None, description="Optional moves")


def test_editors_follow_the_model(qtbot):
    form = ParamForm(Sample)
    qtbot.addWidget(form)
    f = form.fields
    assert (f["steps"].editor.minimum(), f["steps"].editor.maximum()) == (1, 50)
    assert f["steps"].editor.toolTip() == "Denoising steps (1 to 50)"
    assert hasattr(f["strength"], "slider")  # 0..1 fields get a slider beside the box
    assert [f["size"].editor.itemText(i) for i in range(2)] == ["square", "wide"]
    assert form.values() == {"steps": 28, "strength": 0.75, "size": "wide", "safe": True,
                             "moves": None}
    Sample.model_validate(form.values())  # the defaults are what the model says
    f["strength"].slider.setValue(20)
    assert form.values()["strength"] == pytest.approx(0.2)
    f["moves"].editor.setText('[{"duration": 3}]')
    assert form.values()["moves"] == [{"duration": 3}]
    f["moves"].editor.setText("[{")
    assert form.local_errors() == {"moves": "Not valid JSON"}
    f["moves"].editor.clear()
    assert form.values()["moves"] is None and form.local_errors() == {}


def test_server_errors_show_under_the_field_and_clear_on_edit(qtbot):
    form = ParamForm(FluxDevParams)
    qtbot.addWidget(form)
    form.show()
    form.set_errors({"guidance_scale": "too strong for this size"})
    field = form.fields["guidance_scale"]
    assert field.error.isVisible() and field.error.text() == "too strong for this size"
    assert field.frame.property("invalid") is True
    field.editor.setValue(4.0)
    assert not field.error.isVisible() and field.frame.property("invalid") is False


def test_presets_apply_known_fields_only(qtbot):
    form = ParamForm(FluxDevImg2ImgParams)
    qtbot.addWidget(form)
    skipped = form.set_values({"strength": 0.5, "num_images": 2, "image_size": "square",
                               "output_format": "webp"})
    assert sorted(skipped) == ["image_size", "output_format"]  # unknown / not a choice
    assert form.values()["strength"] == 0.5 and form.values()["num_images"] == 2
    form.reset()
    assert form.values()["strength"] == 0.95
