"""studio-cli keeps the code dataclasses, typing and namedtuple generate as its modules
load (studio.code_cache): the first command writes it, the next compiles nothing new."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from studio.code_cache import HEADER, CodeCache

ROOT = Path(__file__).resolve().parents[2]


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STUDIO_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "studio.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_a_command_keeps_the_generated_code_and_the_next_one_uses_it(tmp_path):
    first = _cli(tmp_path, "--version")
    assert first.returncode == 0, first.stderr
    cache = tmp_path / "cache" / "generated-code.bin"
    assert cache.read_bytes().startswith(HEADER)
    kept = CodeCache(cache)
    assert any("__create_fn__" in str(key[3]) for key in kept._codes)  # dataclasses'
    assert any(key[0] == "eval" for key in kept._codes)  # string annotations
    written = cache.stat().st_mtime_ns

    second = _cli(tmp_path, "--version")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert cache.stat().st_mtime_ns == written  # nothing new to compile, nothing written
    assert not cache.stat().st_mode & 0o077  # private, like the rest of the home
