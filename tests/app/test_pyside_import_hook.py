"""PySide6's import hook asks the same question of a module's bytes (app.pyside_import_hook)."""

from __future__ import annotations

import importlib.util
import marshal
import sys
from pathlib import Path
from types import ModuleType

import PySide6  # noqa: F401 (loads shibokensupport.feature)

from studio.app import pyside_import_hook


def _module_from(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_this_pyside_has_the_hook_that_is_made_cheap():
    feature = sys.modules[pyside_import_hook.FEATURE_MODULE]
    assert callable(feature._mod_uses_pyside)
    assert isinstance(feature.pyside_feature_dict, dict)


def test_bytes_give_pyside_s_own_answer(tmp_path):
    feature = sys.modules[pyside_import_hook.FEATURE_MODULE]
    original = feature._mod_uses_pyside
    check = pyside_import_hook.uses_pyside_by_bytes(original)
    (tmp_path / "uses_qt.py").write_text("from PySide6.QtCore import QObject\nX = 1\n")
    (tmp_path / "plain.py").write_text("import json\nX = 2\n")
    (tmp_path / "unicode.py").write_text("# café\nNAME = 'PySide6 é'\n", encoding="utf-8")
    for name, expected in (("uses_qt", True), ("plain", False), ("unicode", True)):
        module = _module_from(tmp_path / f"{name}.py")
        assert check(module) is expected, name
        assert original(module) is expected, name  # the same answer as PySide's own check
    # No .py file (a built-in module): PySide's own answer.
    assert check(sys) is original(sys) is False


def test_a_vanished_file_falls_back_to_pyside_s_check(tmp_path):
    path = tmp_path / "gone.py"
    path.write_text("X = 'PySide6'\n")
    module = _module_from(path)
    path.unlink()
    asked = []
    check = pyside_import_hook.uses_pyside_by_bytes(lambda m: asked.append(m) or False)
    assert check(module) is False
    assert asked == [module]


def test_in_the_frozen_bundle_a_missing_source_means_no(tmp_path, monkeypatch):
    path = tmp_path / "frozen_mod.py"
    path.write_text("X = 'PySide6'\n")
    module = _module_from(path)
    path.unlink()  # the bundle keeps bytecode only
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    asked = []
    check = pyside_import_hook.uses_pyside_by_bytes(lambda m: asked.append(m) or True)
    assert check(module) is False
    assert asked == []


def test_cheapen_installs_once_and_pyside_uses_it(monkeypatch, tmp_path):
    feature = sys.modules[pyside_import_hook.FEATURE_MODULE]
    installed = feature._mod_uses_pyside  # PySide's own, or ours if the app ran in this process

    def unmarked(module):
        return installed(module)

    monkeypatch.setattr(feature, "_mod_uses_pyside", unmarked)
    assert pyside_import_hook.cheapen() is True
    assert pyside_import_hook.cheapen() is False  # already done
    asked = []
    cheap = feature._mod_uses_pyside
    monkeypatch.setattr(feature, "_mod_uses_pyside", lambda m: asked.append(m) or cheap(m))
    (tmp_path / "studio_hook_probe_qt.py").write_text("import PySide6\n")
    (tmp_path / "studio_hook_probe_plain.py").write_text("import json\n")
    modules = {}
    for name in ("studio_hook_probe_qt", "studio_hook_probe_plain"):
        monkeypatch.delitem(feature.pyside_feature_dict, name, raising=False)
        modules[name] = _module_from(tmp_path / f"{name}.py")
        feature.feature_imported(modules[name])  # what PySide's hook runs for a new module

    # PySide recorded both, with the answers of the check it now uses (0: uses PySide).
    assert asked == list(modules.values())
    assert feature.pyside_feature_dict["studio_hook_probe_qt"] == 0
    assert feature.pyside_feature_dict["studio_hook_probe_plain"] == -1


def test_without_the_hook_nothing_is_done(monkeypatch):
    monkeypatch.delitem(sys.modules, pyside_import_hook.FEATURE_MODULE)
    assert pyside_import_hook.cheapen() is False


def test_no_module_of_the_standard_library_mentions_pyside():
    """What lets `in_stdlib` answer without reading: true of the installed stdlib."""
    stdlib = Path(pyside_import_hook.STDLIB_DIR)
    mentions = [path for path in stdlib.rglob("*.py")
                if pyside_import_hook.in_stdlib(str(path)) and b"PySide6" in path.read_bytes()]
    assert mentions == []


def test_stdlib_modules_are_answered_without_reading_them(monkeypatch):
    import json

    opened = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda *a, **k: opened.append(a[0]) or real_open(*a, **k))
    check = pyside_import_hook.uses_pyside_by_bytes(lambda m: True)
    assert check(json) is False
    assert opened == []


def test_packages_installed_beside_the_stdlib_are_still_read(tmp_path, monkeypatch):
    site = tmp_path / "lib" / "site-packages"
    site.mkdir(parents=True)
    (site / "qt_user.py").write_text("import PySide6\n")
    (tmp_path / "lib" / "plain_std.py").write_text("X = 'PySide6'\n")
    monkeypatch.setattr(pyside_import_hook, "STDLIB_DIR", str(tmp_path / "lib") + "/")
    check = pyside_import_hook.uses_pyside_by_bytes(lambda m: False)
    assert check(_module_from(site / "qt_user.py")) is True  # read: it says PySide6
    assert check(_module_from(tmp_path / "lib" / "plain_std.py")) is False  # not read


def _reads(monkeypatch) -> list[str]:
    read: list[str] = []
    real = pyside_import_hook._mentions_pyside
    monkeypatch.setattr(pyside_import_hook, "_mentions_pyside",
                        lambda path: read.append(path) or real(path))
    return read


def test_a_file_that_has_not_changed_is_answered_without_reading_it(tmp_path, monkeypatch):
    read = _reads(monkeypatch)
    qt, plain = tmp_path / "answer_qt.py", tmp_path / "answer_plain.py"
    qt.write_text("import PySide6\n")
    plain.write_text("import json\n")
    modules = [_module_from(qt), _module_from(plain)]
    answers: pyside_import_hook.Answers = {}
    check = pyside_import_hook.uses_pyside_by_bytes(lambda m: False, answers)
    assert [check(m) for m in modules] == [True, False]
    assert len(read) == 2 and set(answers) == {str(qt), str(plain)}

    again = pyside_import_hook.uses_pyside_by_bytes(lambda m: False, answers)
    assert [again(m) for m in modules] == [True, False]
    assert len(read) == 2  # both answered from their size and modification time

    plain.write_text("from PySide6 import QtCore\n")  # edited since: read again
    assert again(modules[1]) is True
    assert read[-1] == str(plain) and answers[str(plain)][2] is True


def test_answers_are_kept_between_starts_and_a_bad_file_is_ignored(tmp_path):
    path = tmp_path / "cache" / "answers.bin"
    module = tmp_path / "kept.py"
    module.write_text("X = 'PySide6'\n")
    with pyside_import_hook.remembered_answers(path) as answers:
        assert answers == {}
        pyside_import_hook.uses_pyside_by_bytes(lambda m: False, answers)(_module_from(module))
    written = path.stat().st_mtime_ns
    with pyside_import_hook.remembered_answers(path) as answers:
        assert answers[str(module)][2] is True
    assert path.stat().st_mtime_ns == written  # nothing new: not written again

    for damaged in (b"", b"garbage" * 50, pyside_import_hook.ANSWERS_HEADER + b"\x00\x01",
                    pyside_import_hook.ANSWERS_HEADER + marshal.dumps({"p": (1, 2, "yes")}),
                    pyside_import_hook.ANSWERS_HEADER + marshal.dumps([1, 2])):
        path.write_bytes(damaged)
        with pyside_import_hook.remembered_answers(path) as answers:
            assert answers == {}


def test_answers_that_cannot_be_saved_cost_nothing_but_a_read(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("where the cache folder would be")
    with pyside_import_hook.remembered_answers(blocker / "answers.bin") as answers:
        answers["x.py"] = (1, 2, False)
    assert blocker.read_text() == "where the cache folder would be"
