"""An input image read from disk: checked each time it is asked for, read once while it is
unchanged, read again as soon as it changes (rewritten in place, or replaced)."""

from __future__ import annotations

import os

import pytest
from PIL import Image

from studio.core import inputs
from studio.core.inputs import InputError, load_input_image


def _png(path, color, size=(40, 30)):
    Image.new("RGB", size, color).save(path)
    return path


def test_an_unchanged_file_is_read_once_and_a_changed_one_again(tmp_path, monkeypatch):
    path = _png(tmp_path / "in.png", (200, 10, 10))
    reads = []
    real = type(path).read_bytes
    monkeypatch.setattr(type(path), "read_bytes",
                        lambda self: reads.append(self.name) or real(self))
    first = load_input_image(path)
    again = load_input_image(str(path))
    assert again is first and reads == ["in.png"]
    _png(path, (10, 10, 200), size=(44, 30))  # rewritten in place
    changed = load_input_image(path)
    assert changed.sha256 != first.sha256 and changed.width == 44
    replacement = _png(tmp_path / "new.png", (10, 200, 10))
    os.replace(replacement, path)  # replaced by a rename: another file
    replaced = load_input_image(path)
    assert replaced.sha256 not in (first.sha256, changed.sha256)
    assert len(reads) == 3


def test_a_file_that_goes_bad_is_refused_even_after_a_good_read(tmp_path):
    path = _png(tmp_path / "in.png", (200, 10, 10))
    load_input_image(path)
    path.write_text("not a picture any more")
    with pytest.raises(InputError, match="not a readable image"):
        load_input_image(path)
    path.unlink()
    with pytest.raises(InputError, match="does not exist"):
        load_input_image(path)
    inputs._read_image.cache_clear()
