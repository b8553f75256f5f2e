"""The built one-folder bundle (dist/provider-studio/): it starts offscreen and shows the
main window, runs the CLI and the sandbox, plays video through Qt's FFmpeg backend, falls
back to its own font, and leaves out what the app does not use.

Skipped unless a bundle built from the current sources exists (BUILD_INFO.json holds
their digest). STUDIO_TEST_BUNDLE=1 makes a missing or stale bundle a failure (CI, after
`python3 tasks.py package`); STUDIO_TEST_BUNDLE=build builds it first (~30 s);
STUDIO_BUNDLE_DIR points at a bundle elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT, packaging_module

pytestmark = pytest.mark.gui
build = packaging_module("build")
BUNDLE = Path(os.environ.get("STUDIO_BUNDLE_DIR") or build.BUNDLE)
MODE = os.environ.get("STUDIO_TEST_BUNDLE", "")
KEY_VARS = ("FAL_KEY", "STABILITY_API_KEY", "RUNWAY_API_KEY", "RUNWAYML_API_SECRET",
            "LUMA_API_KEY", "LUMAAI_API_KEY", "STUDIO_SANDBOX_URL", "STUDIO_HOME")


def _fresh() -> bool:
    info = BUNDLE / "BUILD_INFO.json"
    return info.is_file() and json.loads(info.read_text())["source_digest"] == \
        build.source_digest()


@pytest.fixture(scope="module")
def bundle() -> Path:
    if MODE == "build" and not _fresh():
        subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py")], check=True,
                       timeout=1800)
    problem = None
    if not build.executable("studio", BUNDLE).exists():
        problem = f"no bundle at {BUNDLE}: build it with `python3 tasks.py package`"
    elif not _fresh():
        problem = "the bundle is older than the sources: rebuild with `python3 tasks.py package`"
    if problem:
        if MODE:
            pytest.fail(problem)
        pytest.skip(problem)
    return BUNDLE


def run(bundle: Path, name: str, *args: str, home: Path | None = None, timeout: float = 120,
        **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    environ["QT_QPA_PLATFORM"] = "offscreen"
    environ.update(env)
    if home is not None:
        environ["STUDIO_HOME"] = str(home)
    return subprocess.run([str(build.executable(name, bundle)), *args], env=environ,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.skipif(os.name == "nt", reason="the Windows GUI executable has no console")
def test_both_executables_report_the_version(bundle):
    from studio import __version__

    assert run(bundle, "studio", "--version").stdout.strip() == f"studio {__version__}"
    assert run(bundle, "studio-cli", "--version").stdout.strip() == f"studio-cli {__version__}"
    assert "--sandbox" in run(bundle, "studio", "--help").stdout


def test_cli_lists_the_providers_as_json(bundle, tmp_path):
    result = run(bundle, "studio-cli", "providers", "--json", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr[-2000:]
    providers = {p["id"]: p for p in json.loads(result.stdout)}
    assert {"fal", "runway", "stability", "luma"} <= set(providers)
    assert all(p["models"] for p in providers.values())
    assert providers["fal"]["status"] != "live"  # no key, no flag: nothing is sent


def test_the_app_starts_offscreen_and_paints_its_window(bundle, tmp_path):
    home = tmp_path / "home"
    result = run(bundle, "studio", home=home, STUDIO_STARTUP_PROBE="1")
    assert result.returncode == 0, result.stderr[-2000:]
    marks = dict(line.split() for line in result.stdout.splitlines()
                 if line.split()[:1] and line.split()[0] in ("FIRST_PAINT", "READY",
                                                            "PAINT_CPU", "READY_CPU"))
    assert {"FIRST_PAINT", "READY"} <= marks.keys(), result.stdout[-2000:]
    assert float(marks["FIRST_PAINT"]) <= float(marks["READY"])
    log = (home / "logs" / "studio.log").read_text()
    assert "app.start" in log and "app.stop" in log
    assert (home / "data" / "studio.db").exists()


def test_plugins_video_and_font_work_inside_the_bundle(bundle, tmp_path):
    """No system fonts at all: the bundled DejaVu is registered; Qt plays an MP4 through
    the bundled FFmpeg backend; the About dialog finds the licences in the metadata."""
    fonts_conf = tmp_path / "fonts.conf"
    fonts_conf.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n')
    report_path = tmp_path / "report.json"
    result = run(bundle, "studio", "--bundle-check", str(report_path),
                 FONTCONFIG_FILE=str(fonts_conf))
    report = json.loads(report_path.read_text())
    assert result.returncode == 0 and report["ok"], (report, result.stderr[-2000:])
    assert report["frozen"] and report["platform"] == "offscreen"
    assert report["font"] == {"system_fonts": False, "family": "DejaVu Sans",
                              "registered": ["DejaVu Sans", "DejaVu Sans Mono"]}
    assert report["video"] == {"width": 96, "height": 64}
    assert {"jpeg", "webp", "gif", "svg", "png"} <= set(report["image_formats"])
    if sys.platform.startswith("linux"):
        assert report["platform_plugins"] == ["libqminimal.so", "libqoffscreen.so",
                                              "libqxcb.so"]
    assert report["licences"]["httpx"] == "BSD-3-Clause"
    assert report["licences"]["Qt"] == "LGPL-3.0-only"


def test_the_sandbox_runs_from_the_bundle(bundle, tmp_path):
    """`studio --sandbox` spawns the emulator through the bundle's studio-cli, and the CLI
    runs a live job against it end to end."""
    home = tmp_path / "home"
    result = run(bundle, "studio", "--sandbox", "--quit-after", "1.5", home=home)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sandbox=True" in (home / "logs" / "studio.log").read_text()

    cli_home = tmp_path / "cli"
    run(bundle, "studio-cli", "config", "set", "features.enable_public_image_providers",
        "true", home=cli_home)
    result = run(bundle, "studio-cli", "--sandbox", "generate", "--provider", "fal",
                 "--model", "fal-ai/flux/schnell", "--prompt", "a red fox", "--wait",
                 "--json", home=cli_home)
    assert result.returncode == 0, result.stderr[-2000:]
    job = json.loads(result.stdout)
    assert job["status"] == "succeeded" and job["sandbox"]
    [output] = job["outputs"]
    assert Path(output["path"]).read_bytes()[:3] in (b"\xff\xd8\xff", b"\x89PN")


def test_the_bundle_leaves_out_what_the_app_does_not_use(bundle):
    internal = bundle / "_internal"
    names = {p.relative_to(internal).as_posix() for p in internal.rglob("*")}
    for unused in ("WebEngine", "Qt63D", "Qt6Pdf", "VirtualKeyboard", "Qt6Wayland",
                   "/translations/", "/qml/", "hypothesis", "pytest", "mypy", "tkinter"):
        assert not [n for n in names if unused in f"/{n}"], unused
    plugin_types = {p.name for p in (internal / "PySide6" / "Qt" / "plugins").iterdir()} \
        if sys.platform.startswith("linux") else set()
    assert plugin_types <= {"platforms", "imageformats", "iconengines", "multimedia",
                            "xcbglintegrations", "platforminputcontexts", "platformthemes"}
    info = json.loads((bundle / "BUILD_INFO.json").read_text())
    assert info["size_bytes"] < 400e6, f"the bundle grew to {info['size_bytes'] / 1e6:.0f} MB"
    assert (internal / "studio" / "resources" / "fonts" / "DejaVuSans.ttf").is_file()


def _xvfb_ready(bundle: Path) -> str | None:
    """Why the real-X test cannot run here, or None."""
    if not sys.platform.startswith("linux") or shutil.which("Xvfb") is None:
        return "Xvfb is not installed"
    xcb = bundle / "_internal" / "PySide6" / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    missing = subprocess.run(["ldd", str(xcb)], capture_output=True, text=True).stdout
    if "not found" in missing:
        return "the system lacks xcb libraries the platform plugin needs"
    return None


def test_the_xcb_platform_plugin_runs_on_a_real_x_server(bundle, tmp_path):
    why = _xvfb_ready(bundle)
    if why:
        pytest.skip(why)
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            display = pipe.readline().strip()
        home = tmp_path / "home"
        result = run(bundle, "studio", "--quit-after", "1.5", home=home,
                     QT_QPA_PLATFORM="xcb", DISPLAY=f":{display}")
        assert result.returncode == 0, result.stderr[-2000:]
        assert "app.stop" in (home / "logs" / "studio.log").read_text()
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
