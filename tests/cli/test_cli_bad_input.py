"""No traceback, ever: every bad input of tests/cli/bad_inputs.py goes through the real
studio-cli entry point and gets a short message naming the problem, the documented exit
code, and leaves what it found as it was."""

from __future__ import annotations

import pytest

from studio.cli import main
from tests.cli.bad_inputs import CASES, Case, expand, snapshot

pytestmark = pytest.mark.usefixtures("no_keyring")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_a_message_not_a_traceback(case: Case, tmp_path, monkeypatch, capsys,
                                                  home):
    root = tmp_path / "home"
    files = tmp_path / "files"
    files.mkdir()
    if case.setup is not None:
        case.setup(root, files)
    monkeypatch.setenv("STUDIO_HOME", str(root / case.home_below) if case.home_below
                       else str(root))
    before = snapshot(root, case.untouched)
    capsys.readouterr()
    code = main(expand(case.argv, files))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code == case.code, err
    assert case.words.lower() in err.lower(), err
    if case.code == 2:
        assert 0 < len(err.strip().splitlines()) <= 4, err  # a message, not a dump
        assert len(err) < 2000
    assert snapshot(root, case.untouched) == before  # nothing overwritten
