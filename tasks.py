#!/usr/bin/env python3
"""Developer entry points that need nothing but Python 3.11+.

    python3 tasks.py run [--sandbox]   set up .venv if needed, then launch the app
    python3 tasks.py test [PYTEST ARGS] set up .venv if needed, lint (ruff, lint-imports,
                                       mypy), run every test (on 2 xdist workers) with
                                       the coverage floor (or only the tests named in
                                       PYTEST ARGS, in one process, without coverage)
    python3 tasks.py bench             run the benchmarks and print their figures
    python3 tasks.py package [ARGS]    set up .venv with PyInstaller, build the app bundle
                                       (dist/provider-studio/; see packaging/README.md)
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import venv
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"
# mypy's errors outside these packages may stay while they are listed here (the list only
# shrinks); inside them there are none.
MYPY_BASELINE = ROOT / "mypy-baseline.txt"
MYPY_CLEAN = ("studio/core/", "studio/providers/")
_MYPY_ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+(?::\d+)?: error: (?P<message>.*)$")


def _python() -> str:
    return str(BIN / ("python.exe" if os.name == "nt" else "python"))


def ensure_venv(extras: tuple[str, ...] = ("test",)) -> None:
    """Create .venv and install the project with its extras when pyproject changes (or
    when an extra is asked for that is not installed yet)."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = STAMP.read_text().split() if STAMP.exists() else []
    installed = set(stamp[1:] or ["test"]) if stamp[:1] == [digest] else set()
    if set(extras) <= installed:
        return
    extras = tuple(sorted(installed | set(extras)))
    if not VENV.exists():
        print("tasks: creating .venv", flush=True)
        venv.create(VENV, with_pip=True)
    print("tasks: installing provider-studio and its test tools into .venv", flush=True)
    pip = [_python(), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[{','.join(extras)}]"], check=True)
    STAMP.write_text(" ".join((digest, *extras)))


def run(args: list[str]) -> int:
    ensure_venv()
    return subprocess.call([_python(), "-m", "studio.app", *args], cwd=ROOT)


def test(args: list[str]) -> int:
    ensure_venv()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    lint = subprocess.call([_python(), "-m", "ruff", "check", "studio", "tests", "bench",
                            "packaging", "setup.py", "tasks.py"], cwd=ROOT, env=env)
    if lint:
        print("tasks: ruff found problems (see above)", file=sys.stderr)
        return lint
    # The layering rules (pyproject.toml [tool.importlinter]).
    layers = subprocess.call([str(BIN / ("lint-imports.exe" if os.name == "nt" else
                                         "lint-imports")), "--no-cache"], cwd=ROOT, env=env)
    if layers:
        print("tasks: an import crosses a layer (see above)", file=sys.stderr)
        return layers
    types = typecheck()
    if types:
        return types
    # The whole suite also measures coverage (with branches) against the floor in
    # pyproject.toml [tool.coverage.report]; a run of chosen tests does not. It runs on two
    # pytest-xdist workers, a test file per worker at a time (much of the suite waits on
    # sandbox jobs and subprocesses, so two workers cut CI's wall time on its two cores).
    whole = [] if args else ["--cov", "--cov-report=", "-n", "2", "--dist", "loadfile"]
    return subprocess.call([_python(), "-m", "pytest", "-q", *whole, *args], cwd=ROOT,
                           env=env)


def typecheck() -> int:
    """mypy over studio/ (pyproject.toml [tool.mypy]), held against mypy-baseline.txt."""
    run = subprocess.run([_python(), "-m", "mypy", "--no-pretty", "--no-error-summary"],
                         cwd=ROOT, capture_output=True, text=True)
    if run.returncode not in (0, 1):  # 1: type errors; anything else: mypy itself failed
        print(run.stdout + run.stderr, file=sys.stderr)
        print("tasks: mypy could not run (see above)", file=sys.stderr)
        return run.returncode
    if run.stderr.strip():
        print(run.stderr, file=sys.stderr)
    found = Counter(_mypy_key(line) for line in run.stdout.splitlines()
                    if _MYPY_ERROR.match(line))
    listed = Counter(line.strip() for line in MYPY_BASELINE.read_text("utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))
    new = found - Counter({k: n for k, n in listed.items() if not k.startswith(MYPY_CLEAN)})
    fixed = listed - found
    if new:
        print("tasks: mypy found new type errors (fix them; studio/core and studio/providers "
              "have none):", file=sys.stderr)
        print("\n".join(line for line in run.stdout.splitlines() if _MYPY_ERROR.match(line)
                        and _mypy_key(line) in new), file=sys.stderr)
        return 1
    if fixed:
        print("tasks: these type errors are fixed; delete their lines from mypy-baseline.txt "
              "(it only shrinks):\n" + "\n".join(sorted(fixed.elements())), file=sys.stderr)
        return 1
    return 0


def _mypy_key(line: str) -> str:
    """An error without its line number, so edits elsewhere in the file do not move it."""
    match = _MYPY_ERROR.match(line)
    return f"{match['path']}: {match['message']}" if match else line


def bench(args: list[str]) -> int:
    ensure_venv()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    return subprocess.call([_python(), "-m", "bench", *args], cwd=ROOT, env=env)


def package(args: list[str]) -> int:
    ensure_venv(("test", "package"))
    return subprocess.call([_python(), str(ROOT / "packaging" / "build.py"), *args], cwd=ROOT)


def main() -> int:
    commands = {"run": run, "test": test, "bench": bench, "package": package}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    return commands[command](rest)


if __name__ == "__main__":
    sys.exit(main())
