"""Build the one-folder app bundle with PyInstaller (`python3 tasks.py package` runs this).

    .venv/bin/python packaging/build.py [--clean] [--archive] [--no-check]

Writes dist/provider-studio/ (on macOS also dist/Provider Studio.app) with BUILD_INFO.json
inside, checks that both executables start, and prints the size and the build time.
Run it with the Python that has the app and the `package` extra installed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "provider-studio.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
BUNDLE = DIST / "provider-studio"
EXE_SUFFIX = ".exe" if os.name == "nt" else ""


def source_digest(root: Path = ROOT) -> str:
    """sha256 of everything that goes into the bundle: studio/ (code), resources/, the
    packaging scripts and spec, pyproject.toml and setup.py. The bundle test uses it to
    tell a stale bundle from a fresh one."""
    files = [p for folder in ("studio", "resources") for p in (root / folder).rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    files += [p for p in (root / "packaging").rglob("*")
              if p.is_file() and p.suffix in (".py", ".spec") and "__pycache__" not in p.parts]
    files += [root / "pyproject.toml", root / "setup.py"]
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def tree_size(path: Path) -> int:
    """Bytes on disk of the files under path (symlinks counted once, as links)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def executable(name: str, bundle: Path = BUNDLE) -> Path:
    return bundle / f"{name}{EXE_SUFFIX}"


def run_pyinstaller(clean: bool) -> float:
    # A fixed hash seed keeps the frozen modules' bytecode the same from build to build.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(DIST), "--workpath", str(WORK), str(SPEC)]
    if clean:
        command.insert(3, "--clean")
    started = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT, env=env)
    return time.monotonic() - started


def check_executables() -> list[str]:
    """`--version` of both executables; problems as messages (empty: fine)."""
    from studio import __version__

    problems = []
    names = ["studio-cli"] if os.name == "nt" else ["studio", "studio-cli"]  # windowed GUI
    for name in names:
        result = subprocess.run([str(executable(name)), "--version"], capture_output=True,
                                text=True, timeout=120, check=False)
        if result.returncode != 0 or __version__ not in result.stdout:
            problems.append(f"{name} --version: exit {result.returncode}, "
                            f"{(result.stdout + result.stderr).strip()[-500:]}")
    return problems


def write_info(seconds: float) -> dict:
    import PyInstaller

    from studio import __version__

    info = {
        "version": __version__,
        "source_digest": source_digest(),
        "platform": sys.platform,
        "machine": platform.machine(),
        "python": platform.python_version(),
        "pyinstaller": PyInstaller.__version__,
        "build_seconds": round(seconds, 1),
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    info["size_bytes"] = tree_size(BUNDLE)
    (BUNDLE / "BUILD_INFO.json").write_text(json.dumps(info, indent=2) + "\n",
                                            encoding="utf-8")
    return info


def make_archive(version: str) -> Path:
    base = DIST / f"provider-studio-{version}-{sys.platform}-{platform.machine().lower()}"
    fmt = "zip" if os.name == "nt" else "gztar"
    return Path(shutil.make_archive(str(base), fmt, root_dir=DIST, base_dir=BUNDLE.name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true",
                        help="empty PyInstaller's cache first (slower, from scratch)")
    parser.add_argument("--archive", action="store_true",
                        help="also pack the folder as .tar.gz (.zip on Windows)")
    parser.add_argument("--no-check", action="store_true",
                        help="skip running the built executables")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    seconds = run_pyinstaller(args.clean)
    info = write_info(seconds)
    print(f"build: {BUNDLE.relative_to(ROOT)} {info['size_bytes'] / 1e6:.0f} MB "
          f"in {seconds:.0f} s", flush=True)
    if not args.no_check:
        problems = check_executables()
        for problem in problems:
            print(f"build: {problem}", file=sys.stderr)
        if problems:
            return 1
        print("build: studio and studio-cli start", flush=True)
    if args.archive:
        archive = make_archive(info["version"])
        print(f"build: {archive.relative_to(ROOT)} {archive.stat().st_size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
