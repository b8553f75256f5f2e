"""Render the application icon's PNG sizes from its SVG (run after editing the SVG).

    .venv/bin/python packaging/render_icons.py           # rewrite the PNGs
    .venv/bin/python packaging/render_icons.py --sheet X.png  # also a contact sheet of
                                                          # the UI icons, light and dark

tests/packaging/test_resources.py checks that the committed PNGs match this rendering.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
APP_SVG = ICONS / "provider-studio.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def png_path(size: int) -> Path:
    return ICONS / f"provider-studio-{size}.png"


def render(svg: bytes, size: int):
    """The SVG drawn into a size x size ARGB image (needs a QGuiApplication)."""
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError("the SVG did not parse")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication([sys.argv[0]])


def write_pngs() -> list[Path]:
    _app()
    svg = APP_SVG.read_bytes()
    written = []
    for size in SIZES:
        path = png_path(size)
        if not render(svg, size).save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        written.append(path)
    return written


def contact_sheet(path: Path, scale: int = 2) -> None:
    """Every UI icon at 24 px (x scale) on a light and a dark strip, for eyeballing."""
    _app()
    from PySide6.QtGui import QColor, QImage, QPainter

    names = sorted(p.stem for p in (ICONS / "ui").glob("*.svg"))
    cell = 24 * scale + 16
    sheet = QImage(cell * len(names), cell * 2, QImage.Format.Format_ARGB32)
    painter = QPainter(sheet)
    for row, (bg, fg) in enumerate((("#f3f3f5", "#1d1d1f"), ("#33363c", "#e6e6e6"))):
        painter.fillRect(0, row * cell, sheet.width(), cell, QColor(bg))
        for col, name in enumerate(names):
            svg = (ICONS / "ui" / f"{name}.svg").read_bytes().replace(b"currentColor",
                                                                     fg.encode())
            painter.drawImage(col * cell + 8, row * cell + 8, render(svg, 24 * scale))
    painter.end()
    sheet.convertToFormat(QImage.Format.Format_RGB32).save(str(path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheet", type=Path, help="also write a contact sheet here")
    args = parser.parse_args()
    for path in write_pngs():
        print(path.relative_to(ROOT))
    if args.sheet:
        contact_sheet(args.sheet)
        print(args.sheet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
