"""`studio --bundle-check [REPORT.json]`: what works inside a built bundle.

Runs in the frozen app (see launch_studio.py) and in a source checkout alike, so the
bundle test can compare the two. Writes a JSON report and exits 0 when every check passed:
- the Qt platform plugin started, and which platform plugins the bundle has;
- the image formats Qt can read (JPEG, WebP, GIF, SVG come from plugins);
- the bundled font is used when the system has none;
- QtMultimedia plays an MP4 (written here with PyAV) through its FFmpeg backend;
- PyAV decodes the same file;
- the About dialog finds each bundled package's licence in the bundled metadata.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

REQUIRED_IMAGE_FORMATS = {"png", "jpeg", "webp", "gif", "svg"}


def _write_mp4(path: Path, frames: int = 12, size: tuple[int, int] = (96, 64)) -> None:
    import av
    import numpy as np

    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.time_base = Fraction(1, 12)
        for index in range(frames):
            pixels = np.full((size[1], size[0], 3), (index * 20) % 255, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _decode_with_av(path: Path) -> dict[str, Any]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frame = next(container.decode(stream))
        return {"width": frame.width, "height": frame.height, "ffmpeg": av.ffmpeg_version_info}


def _play_with_qt(path: Path, timeout_ms: int = 10_000) -> dict[str, Any]:
    """First video frame from QMediaPlayer (the FFmpeg backend is the only one bundled)."""
    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame, QVideoSink

    loop = QEventLoop()
    player = QMediaPlayer()
    sink = QVideoSink()
    result: dict[str, Any] = {}

    def on_frame(frame: QVideoFrame) -> None:
        if frame.isValid() and "width" not in result:
            result.update(width=frame.width(), height=frame.height())
            loop.quit()

    def on_error(_error: QMediaPlayer.Error, message: str) -> None:
        result["error"] = message
        loop.quit()

    sink.videoFrameChanged.connect(on_frame)
    player.errorOccurred.connect(on_error)
    player.setVideoSink(sink)
    player.setSource(QUrl.fromLocalFile(str(path)))
    player.play()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    player.stop()
    return result or {"error": f"no video frame within {timeout_ms} ms"}


def run_checks() -> dict[str, Any]:
    from PySide6.QtCore import QLibraryInfo, qVersion
    from PySide6.QtGui import QFontInfo, QImageReader
    from PySide6.QtWidgets import QApplication

    from studio.ui.about_dialog import bundled_components
    from studio.ui.widgets import register_bundled_fonts

    started = time.perf_counter()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    plugins_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    report: dict[str, Any] = {
        "frozen": bool(getattr(sys, "frozen", False)),
        "qt": qVersion(),
        "platform": app.platformName(),
        "platform_plugins": sorted(p.name for p in (plugins_dir / "platforms").glob("*")),
        "image_formats": sorted(bytes(f.data()).decode() for f in
                                QImageReader.supportedImageFormats()),
    }
    had_font = bool(QFontInfo(app.font()).family())
    registered = register_bundled_fonts(app)
    report["font"] = {"system_fonts": had_font, "registered": registered,
                      "family": QFontInfo(app.font()).family()}
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "check.mp4"
        _write_mp4(clip)
        report["av"] = _decode_with_av(clip)
        report["video"] = _play_with_qt(clip)
    report["licences"] = {part.name: part.licence for part in bundled_components()}
    report["seconds"] = round(time.perf_counter() - started, 3)
    report["ok"] = (
        set(report["image_formats"]) >= REQUIRED_IMAGE_FORMATS
        and bool(report["font"]["family"])
        and report["video"].get("width") == 96
        and report["av"]["width"] == 96
        and {"httpx", "pydantic", "PySide6_Essentials"} <= set(report["licences"])
    )
    return report


def main(argv: list[str]) -> int:
    report = run_checks()
    text = json.dumps(report, indent=2, sort_keys=True)
    if argv:
        Path(argv[0]).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
