"""What goes into the bundle: the Qt plugins and libraries the app uses, nothing else.

PyInstaller's Qt hooks collect every plugin of each plugin type a module might need, and
those plugins pull in QtQuick, QtPdf, the Wayland client, GTK and more. The spec runs the
analysis, then `keep_entry` filters its TOC with these rules, and `orphaned_libraries`
drops the system libraries only the removed plugins needed.

Rules match path components and file stems, so the same lists work for Linux (.so),
macOS (.dylib, .framework) and Windows (.dll) layouts.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

# Python packages the app never imports at run time (test tools and type checkers reach
# the analysis through optional imports in pydantic, numpy and friends).
EXCLUDED_MODULES = [
    "tkinter", "_tkinter", "turtle", "turtledemo", "idlelib", "lib2to3", "pydoc_data",
    "curses", "readline",
    "hypothesis", "mypy", "mypyc", "ast_serialize", "librt", "_pytest", "pytest",
    "pytest_qt", "pytest_asyncio", "respx", "ruff", "IPython", "matplotlib",
    "PyInstaller", "pip", "setuptools", "pkg_resources", "distutils",
    # Qt modules the app does not use (their plugins and libraries go too, below).
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets", "PySide6.QtPdf",
    "PySide6.QtPdfWidgets", "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets",
    "PySide6.Qt3DCore", "PySide6.QtCharts", "PySide6.QtDataVisualization",
    "PySide6.QtDesigner", "PySide6.QtTest", "PySide6.QtSql", "PySide6.QtPrintSupport",
]

# Plugin types with nothing the app uses: embedded-Linux input and EGL devices, network
# reachability, TLS (httpx does HTTPS), Wayland (Qt falls back to xcb via XWayland),
# printing, SQL drivers, QML and 3D.
DROPPED_PLUGIN_TYPES = frozenset({
    "egldeviceintegrations", "generic", "networkinformation", "tls", "printsupport",
    "wayland-decoration-client", "wayland-graphics-integration-client",
    "wayland-graphics-integration-server", "wayland-shell-integration", "sqldrivers",
    "qmltooling", "qmllint", "position", "sensors", "texttospeech", "webview",
    "renderers", "renderplugins", "sceneparsers", "geometryloaders", "assetimporters",
    "canbus", "designer", "geoservices", "scxmldatamodel", "vectorimageformats",
    "virtualkeyboard",
})

# Single plugins dropped from types that stay. Platforms kept: xcb, offscreen, minimal
# (Linux), windows (Windows), cocoa (macOS).
DROPPED_PLUGINS: dict[str, frozenset[str]] = {
    "platforms": frozenset({"qeglfs", "qlinuxfb", "qminimalegl", "qvkkhrdisplay", "qvnc",
                            "qwayland", "qwayland-egl", "qwayland-generic", "qdirect2d"}),
    # qpdf pulls in QtPdf; the others are formats no provider returns.
    "imageformats": frozenset({"qpdf", "qtga", "qwbmp", "qicns"}),
    # The GTK theme would load the system's GTK next to bundled cairo/glib copies.
    "platformthemes": frozenset({"qgtk3"}),
    # The virtual keyboard is a QtQuick application of its own.
    "platforminputcontexts": frozenset({"qtvirtualkeyboardplugin"}),
}

# Qt libraries (Linux libQt6X.so.6, Windows Qt6X.dll, macOS QtX.framework) for modules
# the app does not use. QtWidgets, QtGui, QtCore, QtNetwork, QtDBus, QtOpenGL, QtSvg,
# QtMultimedia(Widgets) and QtXcbQpa stay.
_UNUSED_QT_LIB = re.compile(
    r"^(lib)?Qt6?(Pdf|Qml|Quick|VirtualKeyboard|Wayland|WlShell|EglFS|EglFs|3D|WebEngine|"
    r"WebChannel|WebSockets|WebView|Positioning|Location|Sensors|Bluetooth|Nfc|"
    r"SerialPort|SerialBus|Charts|DataVisualization|Graphs|Designer|Help|Test|Sql|"
    r"PrintSupport|ShaderTools|Lottie|Scxml|StateMachine|RemoteObjects|SpatialAudio|"
    r"TextToSpeech|HttpServer|NetworkAuth|CanvasPainter|Labs|UiTools)"
)

# Directories of data nobody reads: Qt's own translations (the UI is English, and half-
# translated dialogs read worse), QML modules, WebEngine resources, test suites.
_DROPPED_DIRS = frozenset({"translations", "qml", "tests", "testing"})
_QT_DATA_ROOTS = ("PySide6/Qt/", "PySide6/")


def _parts(dest: str) -> tuple[str, ...]:
    return PurePosixPath(dest.replace("\\", "/")).parts


def _stem(name: str) -> str:
    """'libqxcb.so' -> 'qxcb', 'qwindows.dll' -> 'qwindows', 'libqcocoa.dylib' -> 'qcocoa'."""
    base = name.split(".")[0]
    return base[3:] if base.startswith("lib") else base


def plugin_of(dest: str) -> tuple[str, str] | None:
    """(plugin type, plugin stem) for a Qt plugin path inside the bundle, else None."""
    parts = _parts(dest)
    if "PySide6" not in parts:
        return None
    for i, part in enumerate(parts[:-2]):
        if part == "plugins":
            return parts[i + 1], _stem(parts[-1])
    return None


def is_unused_qt_library(dest: str) -> bool:
    return any(_UNUSED_QT_LIB.match(part) for part in _parts(dest))


def keep_entry(dest: str) -> bool:
    """Whether one TOC entry (its destination path in the bundle) belongs in the bundle.
    Unused Qt libraries are not decided here: `prune_binaries` drops them once nothing
    kept links against them (the FFmpeg multimedia plugin links QtQuick and QtQml)."""
    plugin = plugin_of(dest)
    if plugin is not None:
        kind, stem = plugin
        return kind not in DROPPED_PLUGIN_TYPES and stem not in DROPPED_PLUGINS.get(kind, ())
    normalized = dest.replace("\\", "/")
    if normalized.startswith(_QT_DATA_ROOTS):
        inside = _parts(normalized)[1:]
        if inside and inside[0] == "Qt":
            inside = inside[1:]
        if inside and inside[0] in _DROPPED_DIRS:
            return False
    return not any(part in ("tests", "testing") for part in _parts(dest)[:-1])


def filter_toc(toc: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [entry for entry in toc if keep_entry(entry[0])]


def _posix(path: str) -> str:
    return path.replace("\\", "/")


def _name(path: str) -> str:
    # Windows names are case-insensitive (VCRUNTIME140.dll vs vcruntime140.dll).
    return PurePosixPath(path.replace("\\", "/")).name.lower()


def orphaned_libraries(
    binaries: list[tuple[str, str, str]],
    imports_of: Callable[[str], Iterable[str]],
    always_keep: Iterable[str] = (),
) -> set[str]:
    """Libraries that no kept binary links against, by destination.

    Candidates are the system libraries PyInstaller copied next to the executable (top
    level of the bundle) and the Qt libraries of unused modules: each was collected
    because some binary needed it, and once that binary is filtered out it is dead
    weight. `imports_of(src)` names the libraries a file links against (sonames or
    paths). Package-private copies (`numpy.libs/`) and `always_keep` (libpython, which the
    bootloader loads by name) are never candidates.
    """
    keep = {_name(name) for name in always_keep}
    candidates = {
        _name(dest): (dest, src) for dest, src, kind in binaries
        if kind == "BINARY" and _name(dest) not in keep
        and ("/" not in dest.replace("\\", "/") or is_unused_qt_library(dest))
    }
    candidate_dests = {dest for dest, _src in candidates.values()}
    todo = [src for dest, src, kind in binaries
            if kind in ("BINARY", "EXTENSION") and dest not in candidate_dests]
    needed: set[str] = set()
    seen: set[str] = set()
    while todo:
        src = todo.pop()
        if src in seen:
            continue
        seen.add(src)
        for ref in imports_of(src):
            hit = candidates.get(_name(ref))
            if hit is not None and hit[0] not in needed:
                needed.add(hit[0])
                todo.append(hit[1])
    return candidate_dests - needed


def prune(
    binaries: Iterable[tuple[str, str, str]],
    datas: Iterable[tuple[str, str, str]],
    imports_of: Callable[[str], Iterable[str]],
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]], list[str]]:
    """Analysis' binaries and datas without dropped plugins and data, orphaned libraries,
    and symlinks to anything dropped (PyInstaller lists those among the datas); also the
    orphans' names, for the build log."""
    binaries, datas = list(binaries), list(datas)
    kept = filter_toc(binaries)
    python = [dest for dest, _src, _kind in kept
              if _name(dest).startswith(("libpython", "python"))]
    orphans = orphaned_libraries(kept, imports_of, always_keep=python)
    # A dropped macOS framework goes whole: its Resources/ and version links too.
    frameworks = tuple(_posix(d)[:_posix(d).index(".framework/") + 11] for d in orphans
                       if ".framework/" in _posix(d))
    kept = [e for e in kept if e[0] not in orphans and not _posix(e[0]).startswith(frameworks)]
    kept_datas = [e for e in filter_toc(datas) if not _posix(e[0]).startswith(frameworks)]
    kept_dests = {_posix(e[0]) for e in [*kept, *kept_datas]}
    removed = {_posix(e[0]) for e in [*binaries, *datas]} - kept_dests
    links = {_posix(dest): posixpath.normpath(posixpath.join(posixpath.dirname(_posix(dest)),
                                                             _posix(target)))
             for dest, target, kind in [*kept, *kept_datas] if kind == "SYMLINK"}
    # Only links to something removed go (links to links follow in later rounds); a
    # link whose target this cannot see (a directory, a framework version) stays.
    while dangling := {d for d, t in links.items() if d not in removed
                       and (t in removed or t.startswith(frameworks))}:
        removed |= dangling

    return ([e for e in kept if _posix(e[0]) not in removed],
            [e for e in kept_datas if _posix(e[0]) not in removed], sorted(orphans))


_LOADS = """
import ctypes, sys
for path in sys.argv[1:]:
    try:
        ctypes.CDLL(path, mode=ctypes.RTLD_LOCAL)
    except OSError:
        print(path)
"""


def strip_binaries(bundle: Path, binaries: Iterable[tuple[str, str, str]]) -> int:
    """Linux: `strip --strip-unneeded` the system libraries, libpython and every Python
    extension module in the bundle, then put back the original of any file that no longer
    loads (auditwheel-patched libraries such as numpy's OpenBLAS break when stripped).
    Wheels' shared libraries are skipped: they ship stripped. Returns how many stayed
    stripped (0 when the `strip` tool is missing)."""
    tool = shutil.which("strip")
    internal = bundle / "_internal"
    if tool is None or not internal.is_dir():
        return 0
    originals: dict[str, str] = {}
    for dest, src, kind in binaries:
        target = internal / dest
        wheel_library = kind == "BINARY" and "site-packages" in Path(src).parts
        if (kind not in ("BINARY", "EXTENSION") or wheel_library or target.is_symlink()
                or not target.is_file()):
            continue
        subprocess.run([tool, "--strip-unneeded", str(target)], check=True,
                       capture_output=True)
        originals[str(target)] = src
    if not originals:
        return 0
    env = {**os.environ, "LD_LIBRARY_PATH": str(internal)}
    broken = subprocess.run([sys.executable, "-c", _LOADS, *originals], env=env,
                            capture_output=True, text=True, check=False).stdout.split()
    for path in broken:
        shutil.copy2(originals[path], path)
    return len(originals) - len(broken)
