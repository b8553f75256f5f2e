"""Help > About: the version, where config, data and logs live (with buttons that open
those folders), and every bundled component with its licence.

Python packages and their licences are read from the installed distributions' metadata
(the bundle carries it: packaging/provider-studio.spec), walking provider-studio's
runtime requirements, so the list matches what actually ships. Native parts that have no
Python metadata (Qt, the FFmpeg builds, the interpreter, fonts) are described here.
"""

from __future__ import annotations

import platform
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio import __version__
from studio.core.paths import StudioPaths
from studio.resources import ROOT as RESOURCES
from studio.ui.widgets import SPACING, app_icon, icon

APP_DIST = "provider-studio"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_SHORT_LICENCE = 60  # longer "License:" fields are the whole licence text


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str
    note: str = ""


def licence_of(dist: metadata.Distribution) -> str:
    """SPDX expression when declared, else a short License field, else the classifiers."""
    meta = dist.metadata

    def field(name: str) -> str:
        values = meta.get_all(name) or []
        return str(values[0]).strip() if values else ""

    if expression := field("License-Expression"):
        return expression
    text = field("License")
    if text and "\n" not in text and len(text) <= _SHORT_LICENCE:
        return text
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    return " / ".join(classifiers) or "see the package's metadata"


def runtime_distributions(root: str = APP_DIST) -> list[metadata.Distribution]:
    """`root` and everything it needs at run time (extras skipped), as installed."""
    found: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a platform-only requirement (pywin32-ctypes on Linux ...)
        found[key] = dist
        for requirement in dist.requires or []:
            requirement_name, _, marker = requirement.partition(";")
            if "extra" in marker:
                continue
            match = _NAME.match(requirement_name)
            if match:
                todo.append(match.group(1))
    return sorted(found.values(), key=lambda d: d.metadata["Name"].lower())


def native_components() -> list[Component]:
    """Bundled parts without Python metadata of their own."""
    parts = [
        Component("Qt", qVersion(), "LGPL-3.0-only",
                  "The Qt libraries inside the PySide6 wheels."),
        Component("Python", platform.python_version(), "PSF-2.0",
                  "The interpreter (bundled in the packaged app)."),
    ]
    try:
        import av

        meta = getattr(getattr(av, "_core", None), "library_meta", {}) or {}
        codec = meta.get("libavcodec", {})
        parts.append(Component("FFmpeg (in PyAV)", av.ffmpeg_version_info,
                               codec.get("license", "LGPL"),
                               "Decodes and encodes video for thumbnails and the sandbox."))
        configuration = codec.get("configuration", "")
        for lib, name in (("libx264", "x264"), ("libx265", "x265")):
            if f"--enable-{lib}" in configuration:
                parts.append(Component(f"{name} (in PyAV's FFmpeg)", "", "GPL-2.0-or-later",
                                       f"PyAV's wheel links FFmpeg against {name}."))
    except ImportError:
        pass
    parts.append(Component("FFmpeg (in Qt Multimedia)", "7.1", "LGPL-2.1-or-later",
                           "Qt Multimedia's playback backend, shipped in PySide6-Addons."))
    if (RESOURCES / "fonts" / "DejaVuSans.ttf").is_file():
        parts.append(Component("DejaVu fonts", "2.37", "Bitstream-Vera (changes: public domain)",
                               "Used only when the system has no fonts; "
                               "resources/fonts/LICENSE-DejaVu.txt."))
    parts.append(Component("Provider Studio icons", __version__, "MIT",
                           "Drawn for this project; resources/LICENSES.md."))
    return parts


def bundled_components() -> list[Component]:
    python = [Component(d.metadata["Name"], d.version, licence_of(d), "Python package")
              for d in runtime_distributions() if d.metadata["Name"] != APP_DIST]
    return native_components() + python


def open_folder(path: Path) -> bool:
    """Create the folder if needed and show it in the system's file manager."""
    path.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class AboutDialog(QDialog):
    def __init__(self, paths: StudioPaths | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About Provider Studio")
        self.paths = paths or StudioPaths.resolve()
        self.components = bundled_components()
        self.open_buttons: dict[str, QPushButton] = {}

        layout = QVBoxLayout(self)
        layout.setSpacing(SPACING + SPACING // 2)
        layout.addLayout(self._header())
        layout.addWidget(self._folders())
        layout.addWidget(self._licences(), 1)
        self.status = QLabel(self)
        self.status.setProperty("role", "error")
        self.status.hide()
        layout.addWidget(self.status)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = buttons.addButton("Copy details",
                                             QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setIcon(icon("copy"))
        self.copy_button.setToolTip("Version, folders and components, for a bug report")
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 640)

    # -- sections -----------------------------------------------------------------------

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        logo = QLabel(self)
        logo.setPixmap(app_icon().pixmap(64, 64))
        row.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        self.title = QLabel(f"Provider Studio {__version__}", self)
        self.title.setProperty("role", "title")
        text.addWidget(self.title)
        blurb = QLabel("Audition image and video generation providers side by side. Every "
                       "call is a dry-run until you turn the provider family on in Settings "
                       "and a key is present.", self)
        blurb.setWordWrap(True)
        text.addWidget(blurb)
        self.runtime = QLabel(self.runtime_line(), self)
        self.runtime.setProperty("role", "caption")
        self.runtime.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.runtime)
        row.addLayout(text, 1)
        return row

    def _folders(self) -> QGroupBox:
        box = QGroupBox("Where your files are", self)
        grid = QGridLayout(box)
        rows = (("config", "Settings", self.paths.config_dir),
                ("data", "Data (jobs, outputs)", self.paths.data_dir),
                ("logs", "Logs", self.paths.log_dir))
        for row, (key, label, path) in enumerate(rows):
            grid.addWidget(QLabel(label, box), row, 0)
            where = QLabel(str(path), box)
            where.setProperty("role", "path")
            where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            where.setWordWrap(True)
            grid.addWidget(where, row, 1)
            button = QPushButton("Open", box)
            button.setIcon(icon("folder"))
            button.setToolTip(f"Show {path} in the file manager")
            button.clicked.connect(lambda _=False, p=path: self._open(p))
            grid.addWidget(button, row, 2)
            self.open_buttons[key] = button
        grid.setColumnStretch(1, 1)
        return box

    def _licences(self) -> QGroupBox:
        box = QGroupBox("Bundled components and their licences", self)
        column = QVBoxLayout(box)
        own = self._own_licence()
        note = QLabel(f"Provider Studio itself is {own}-licensed. Qt, PySide6 and FFmpeg are "
                      "used under the LGPL: in the packaged app they are separate files in "
                      "_internal/ that you may replace with your own builds.", box)
        note.setWordWrap(True)
        note.setProperty("role", "caption")
        column.addWidget(note)
        self.table = QTreeWidget(box)
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setHeaderLabels(["Component", "Version", "Licence"])
        for part in self.components:
            item = QTreeWidgetItem([part.name, part.version, part.licence])
            for col in range(3):
                item.setToolTip(col, part.note or part.licence)
            self.table.addTopLevelItem(item)
        header = self.table.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        column.addWidget(self.table)
        return box

    # -- behaviour ----------------------------------------------------------------------

    @staticmethod
    def runtime_line() -> str:
        import PySide6

        where = "packaged app" if getattr(sys, "frozen", False) else "from source"
        return (f"Qt {qVersion()} · PySide6 {PySide6.__version__} · Python "
                f"{platform.python_version()} · {platform.system()} {platform.machine()} "
                f"· {where}")

    @staticmethod
    def _own_licence() -> str:
        try:
            return licence_of(metadata.distribution(APP_DIST))
        except metadata.PackageNotFoundError:
            return "MIT"

    def _open(self, path: Path) -> None:
        try:
            opened = open_folder(path)
        except OSError as exc:
            opened, why = False, str(exc)
        else:
            why = "no file manager answered"
        self.status.setVisible(not opened)
        if not opened:
            self.status.setText(f"Could not open {path}: {why}. The path is selectable above.")

    def details(self) -> str:
        lines = [f"Provider Studio {__version__}", self.runtime_line(), "",
                 f"Settings: {self.paths.config_dir}", f"Data: {self.paths.data_dir}",
                 f"Logs: {self.paths.log_dir}", ""]
        lines += [" ".join(filter(None, (c.name, c.version))) + f": {c.licence}"
                  for c in self.components]
        return "\n".join(lines)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details())
