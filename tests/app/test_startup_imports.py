"""What the desktop app's start-up leaves out: httpx's command-line client (click, rich,
pygments), numpy, the Compare and Sequences tabs' QtMultimedia and widgets, the chain
dialog, ComfyUI's websocket client, and the Pods dock's panel with the pods' code (for a
studio that has never run a pod); httpx itself still works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys
from studio.app.launch import skip_httpx_cli
skip_httpx_cli()
import httpx
from studio.core.service import Studio  # noqa: F401 (everything the service imports)
from studio.ui.session import Session  # noqa: F401
import studio.ui.compare, studio.ui.iterate.actions  # noqa: F401, E401
from studio.ui.compare.page import ComparePage  # noqa: F401
from studio.ui.sequences.install import install  # noqa: F401
from studio.ui.pods import PodsCostLabel, PodsDock  # noqa: F401
from studio.providers import registry
registry()  # every adapter, ComfyUI's among them
client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, text="ok")))
assert client.get("http://example.test/").text == "ok"
print(sorted(m for m in ("rich", "pygments", "httpx._main", "numpy", "PySide6.QtMultimedia",
                         "websockets", "studio.ui.sequences.tab",
                         "studio.ui.sequences.chain_dialog", "studio.ui.pods.panel",
                         "studio.core.pods.service", "studio.providers.runpod_pods")
             if sys.modules.get(m) is not None))
print(callable(httpx.main))
"""


def test_start_up_imports_leave_out_what_waits_for_first_use():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    loaded, main_callable = out.stdout.split("\n")[:2]
    assert loaded == "[]"
    assert main_callable == "True"  # httpx's fallback main, which says the CLI is not here
