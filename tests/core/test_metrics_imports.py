"""The metrics stay in their layer and out of the bundle's way."""

from __future__ import annotations

import subprocess
import sys


def test_measuring_loads_no_qt_and_no_heavy_imaging_library(tmp_path):
    # scipy / scikit-image / OpenCV would add 150-180 MB to the app bundle (budget 400 MB);
    # they are test-only references here.
    script = f"""
import sys
from PIL import Image
from studio.core.metrics import measure
Image.new("RGB", (32, 32), (90, 120, 200)).save({str(tmp_path / "a.png")!r})
measure({str(tmp_path / "a.png")!r})
loaded = sorted({{m.split(".")[0] for m in sys.modules}}
                & {{"PySide6", "qasync", "scipy", "skimage", "cv2", "torch"}})
print(",".join(loaded))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""
