"""What the spec keeps in the bundle, on the TOC layouts of Linux, Windows and macOS."""

from __future__ import annotations

import pytest

from tests.packaging.conftest import packaging_module

rules = packaging_module("bundle_rules")


@pytest.mark.parametrize("dest", [
    "PySide6/Qt/plugins/platforms/libqxcb.so",
    "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    "PySide6/Qt/plugins/platforms/libqminimal.so",
    "PySide6/plugins/platforms/qwindows.dll",
    "PySide6/plugins/platforms/qoffscreen.dll",
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
    "PySide6/Qt/plugins/imageformats/libqjpeg.so",
    "PySide6/Qt/plugins/imageformats/libqwebp.so",
    "PySide6/Qt/plugins/imageformats/libqsvg.so",
    "PySide6/plugins/imageformats/qgif.dll",
    "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
    "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so",
    "PySide6/plugins/multimedia/ffmpegmediaplugin.dll",
    "PySide6/Qt/plugins/multimedia/libdarwinmediaplugin.dylib",
    "PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so",
    "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
    "PySide6/Qt/lib/libQt6Widgets.so.6",
    "studio/resources/icons/provider-studio-512.png",
    "studio/resources/fonts/DejaVuSans.ttf",
    "numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so",
])
def test_what_the_app_needs_stays(dest):
    assert rules.keep_entry(dest)


@pytest.mark.parametrize("dest", [
    "PySide6/Qt/plugins/platforms/libqwayland.so",
    "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/plugins/platforms/qdirect2d.dll",
    "PySide6/Qt/plugins/imageformats/libqpdf.so",
    "PySide6/plugins/imageformats/qpdf.dll",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
    "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
    "PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-x11-integration.so",
    "PySide6/Qt/plugins/tls/libqopensslbackend.so",
    "PySide6/plugins/tls/qschannelbackend.dll",
    "PySide6/Qt/plugins/sqldrivers/libqsqlite.so",
    "PySide6/Qt/translations/qtbase_de.qm",
    "PySide6/translations/qt_fr.qm",
    "PySide6/Qt/qml/QtQuick/Controls/qmldir",
    "somepackage/tests/test_thing.py",
])
def test_what_it_does_not_need_goes(dest):
    assert not rules.keep_entry(dest)


@pytest.mark.parametrize("dest", [
    "PySide6/Qt/lib/libQt6Pdf.so.6", "PySide6/Qt6WebEngineCore.dll",
    "PySide6/Qt/lib/QtQuick.framework/Versions/A/QtQuick", "libQt6Qml.so.6",
    "PySide6/Qt/lib/libQt63DCore.so.6", "PySide6/Qt/lib/libQt6WaylandClient.so.6",
])
def test_unused_qt_libraries_are_recognised_on_every_platform(dest):
    assert rules.is_unused_qt_library(dest)
    assert not rules.is_unused_qt_library("PySide6/Qt/lib/libQt6Multimedia.so.6")


def _links(table):
    return lambda src: table.get(src, [])


def test_libraries_only_dropped_plugins_needed_are_pruned():
    binaries = [
        ("libpython3.11.so.1.0", "/py/libpython3.11.so.1.0", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/qt/libqxcb.so", "BINARY"),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/qt/libqgtk3.so", "BINARY"),
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", "/qt/libqpdf.so", "BINARY"),
        ("PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so", "/qt/ffmpeg.so", "BINARY"),
        ("PySide6/Qt/lib/libQt6Pdf.so.6", "/qt/lib/libQt6Pdf.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Quick.so.6", "/qt/lib/libQt6Quick.so.6", "BINARY"),
        ("libxcb-cursor.so.0", "/usr/lib/libxcb-cursor.so.0", "BINARY"),
        ("libxcb-util.so.1", "/usr/lib/libxcb-util.so.1", "BINARY"),
        ("libcairo.so.2", "/usr/lib/libcairo.so.2", "BINARY"),
        ("libpixman-1.so.0", "/usr/lib/libpixman-1.so.0", "BINARY"),
        ("_ssl.so", "/py/lib-dynload/_ssl.so", "EXTENSION"),
        ("libssl.so.3", "/usr/lib/libssl.so.3", "BINARY"),
    ]
    links = _links({
        "/qt/libqxcb.so": ["libxcb-cursor.so.0"],
        "/usr/lib/libxcb-cursor.so.0": ["/usr/lib/libxcb-util.so.1"],  # transitive, by path
        "/qt/libqgtk3.so": ["libcairo.so.2"],
        "/usr/lib/libcairo.so.2": ["libpixman-1.so.0"],
        "/qt/libqpdf.so": ["libQt6Pdf.so.6"],
        "/qt/ffmpeg.so": ["libQt6Quick.so.6"],  # the multimedia backend links QtQuick
        "/py/lib-dynload/_ssl.so": ["libssl.so.3"],
    })
    datas = [  # PyInstaller lists its top-level symlinks with the datas
        ("libQt6Pdf.so.6", "PySide6/Qt/lib/libQt6Pdf.so.6", "SYMLINK"),
        ("libQt6Quick.so.6", "PySide6/Qt/lib/libQt6Quick.so.6", "SYMLINK"),
        ("PySide6/Qt/translations/qt_de.qm", "/qt/translations/qt_de.qm", "DATA"),
    ]
    kept, kept_datas, orphans = rules.prune(binaries, datas, links)
    dests = {entry[0] for entry in [*kept, *kept_datas]}
    assert orphans == ["PySide6/Qt/lib/libQt6Pdf.so.6", "libcairo.so.2", "libpixman-1.so.0"]
    assert {"libxcb-cursor.so.0", "libxcb-util.so.1", "libssl.so.3", "libpython3.11.so.1.0",
            "PySide6/Qt/lib/libQt6Quick.so.6", "libQt6Quick.so.6"} <= dests
    assert not dests & {"libQt6Pdf.so.6", "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
                        "PySide6/Qt/plugins/imageformats/libqpdf.so",
                        "PySide6/Qt/translations/qt_de.qm"}


def test_windows_names_match_whatever_their_case():
    binaries = [
        ("python311.dll", "C:/py/python311.dll", "BINARY"),
        ("VCRUNTIME140.dll", "C:/py/VCRUNTIME140.dll", "BINARY"),
        ("libffi-8.dll", "C:/py/DLLs/libffi-8.dll", "BINARY"),
        ("_ctypes.pyd", "C:/py/DLLs/_ctypes.pyd", "EXTENSION"),
    ]
    links = _links({"C:/py/DLLs/_ctypes.pyd": ["vcruntime140.dll", "LIBFFI-8.DLL"]})
    kept, _datas, orphans = rules.prune(binaries, [], links)
    assert orphans == [] and len(kept) == 4  # python311.dll stays although nothing links it


def test_the_spec_excludes_test_tools_but_not_what_the_app_imports():
    excluded = set(rules.EXCLUDED_MODULES)
    assert {"pytest", "hypothesis", "mypy", "tkinter", "PySide6.QtQuick"} <= excluded
    assert not excluded & {"PySide6.QtMultimedia", "PySide6.QtNetwork", "PySide6.QtSvg",
                           "unittest", "sqlite3", "numpy", "av"}


def test_macos_frameworks_go_whole_and_links_inside_kept_ones_stay():
    lib = "PySide6/Qt/lib"
    binaries = [
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", "/qt/libqcocoa.dylib", "BINARY"),
        (f"{lib}/QtCore.framework/Versions/A/QtCore", "/qt/QtCore", "BINARY"),
        (f"{lib}/QtPdf.framework/Versions/A/QtPdf", "/qt/QtPdf", "BINARY"),
    ]
    datas = [
        (f"{lib}/QtCore.framework/Versions/A/Resources/Info.plist", "/qt/core.plist", "DATA"),
        (f"{lib}/QtCore.framework/Versions/Current", "A", "SYMLINK"),
        (f"{lib}/QtCore.framework/Resources", "Versions/Current/Resources", "SYMLINK"),
        (f"{lib}/QtCore.framework/QtCore", "Versions/Current/QtCore", "SYMLINK"),
        (f"{lib}/QtPdf.framework/Versions/A/Resources/Info.plist", "/qt/pdf.plist", "DATA"),
        (f"{lib}/QtPdf.framework/Versions/Current", "A", "SYMLINK"),
        ("QtPdf", f"{lib}/QtPdf.framework/Versions/A/QtPdf", "SYMLINK"),
    ]
    links = _links({"/qt/libqcocoa.dylib": ["@rpath/QtCore.framework/Versions/A/QtCore"]})
    kept, kept_datas, orphans = rules.prune(binaries, datas, links)
    assert orphans == [f"{lib}/QtPdf.framework/Versions/A/QtPdf"]
    left = {entry[0] for entry in [*kept, *kept_datas]}
    assert not [d for d in left if "QtPdf" in d]
    assert {f"{lib}/QtCore.framework/Versions/Current", f"{lib}/QtCore.framework/Resources",
            f"{lib}/QtCore.framework/QtCore"} <= left
