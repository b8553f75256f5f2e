"""studio-cli assist: the JSON shapes scripts rely on, dry-run by default with the exact
request printed, exit codes 0 / 1 (the call failed) / 2 (bad input)."""

import io
import json
import sys

import pytest

from studio.cli import main
from tests.conftest import TEST_KEY, set_faults
from tests.core.assist.helpers import chat_requests, red_png

ENVELOPE = {"run", "flow", "live", "reason", "requests", "result"}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assist(capsys, sandbox, *argv):
    return run(capsys, "--sandbox-url", sandbox.url, "assist", *argv)


def live(capsys):
    assert run(capsys, "config", "set", "features.enable_assistant", "true")[0] == 0


def test_enhance_is_a_dry_run_by_default_and_prints_the_exact_request(home, capsys, sandbox):
    code, out, err = assist(capsys, sandbox, "enhance", "--prompt", "a fox", "--for",
                            "fal:fal-ai/flux/dev", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == ENVELOPE and data["flow"] == "enhance"
    assert data["live"] is False and data["result"] is None
    assert "features.enable_assistant" in data["reason"]
    [request] = data["requests"]
    assert request["url"] == f"{sandbox.url}/assistant/chat/completions"
    assert request["body"]["messages"][1]["content"].startswith("Prompt: a fox")
    assert chat_requests(sandbox) == []
    code, out, _ = assist(capsys, sandbox, "enhance", "--prompt", "a fox")
    assert code == 0 and out.startswith("dry-run (nothing was sent)")
    assert '"url": "' in out  # the request itself, for a human too


def test_live_shapes_of_enhance_analyze_and_story(home, capsys, sandbox, tmp_path):
    live(capsys)
    code, out, err = assist(capsys, sandbox, "enhance", "--prompt", "a red fox in snow",
                            "--for", "stability:core", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == ENVELOPE and data["live"] is True
    assert set(data["result"]) == {"original", "prompt", "diff", "target", "notes"}
    assert all(set(d) == {"op", "text"} for d in data["result"]["diff"])

    image = red_png(tmp_path / "still.png")
    code, out, _ = assist(capsys, sandbox, "analyze", str(image), "--json")
    result = json.loads(out)["result"]
    assert code == 0 and set(result) == {"image", "theme", "main_subject", "style",
                                         "palette", "lighting", "camera_motions",
                                         "motion_prompts"}
    assert all(set(c) == {"name", "hex"} for c in result["palette"])

    code, out, _ = assist(capsys, sandbox, "story", "--brief", "a kite's journey",
                          "--scenes", "2", "--image", str(image), "--rounds", "1", "--json")
    data = json.loads(out)
    assert code == 0 and data["flow"] == "story"
    assert set(data["result"]) == {"brief", "scenes_requested", "rounds", "approved",
                                   "storyboard", "critiques", "cohesion", "conversation"}
    assert len(data["result"]["storyboard"]["scenes"]) == 2

    code, out, _ = assist(capsys, sandbox, "story", "--brief", "a kite's journey",
                          "--scenes", "2")
    assert code == 0 and "1. [" in out and "2. [" in out
    code, out, _ = assist(capsys, sandbox, "runs", "--json")
    assert [r["flow"] for r in json.loads(out)] == ["story", "story", "analyze", "enhance"]
    code, out, _ = assist(capsys, sandbox, "show", data["run"])
    assert code == 0 and "director / user" in out and "critic / assistant" in out


def test_failures_exit_1_and_bad_input_exits_2(home, capsys, sandbox):
    live(capsys)
    set_faults(sandbox, refuse_answer={"count": 2, "provider": "assistant"})
    code, out, err = assist(capsys, sandbox, "enhance", "--prompt", "a fox", "--json")
    assert code == 1 and out == ""
    assert "the assistant failed: enhancer: the model refused" in err
    assert "studio-cli assist show" in err
    code, _, err = assist(capsys, sandbox, "enhance", "--prompt", "a fox", "--for", "nope:x")
    assert code == 2 and "give PROVIDER:MODEL" in err
    code, _, err = assist(capsys, sandbox, "analyze", "no/such/file.png")
    assert code == 2 and "no such file or asset" in err
    code, _, err = assist(capsys, sandbox, "story", "--brief", "b", "--scenes", "0")
    assert code == 2 and "scenes must be from 1" in err
    code, _, err = assist(capsys, sandbox, "show", "nope")
    assert code == 2 and "no assistant run" in err
    assert "Traceback" not in err


def test_the_assistants_key_is_set_from_stdin_and_never_printed(home, capsys, memory_keyring,
                                                               monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(TEST_KEY + "\n"))
    code, out, _ = run(capsys, "assist", "key", "set")
    assert code == 0 and "keyring" in out and TEST_KEY not in out
    code, out, _ = run(capsys, "assist", "key", "status")
    assert code == 0 and "keyring" in out and TEST_KEY not in out
    code, out, _ = run(capsys, "assist", "enhance", "--prompt", "a fox", "--json")
    data = json.loads(out)  # the flag is off: a dry-run, but with the key found
    assert data["reason"].startswith("features.enable_assistant is off (API key required")
    assert TEST_KEY not in out
    code, out, _ = run(capsys, "assist", "key", "delete")
    assert code == 0 and "deleted" in out


@pytest.mark.parametrize("flow", ["enhance", "analyze", "story", "judge"])
def test_every_flow_has_help(capsys, flow):
    with pytest.raises(SystemExit) as done:
        main(["assist", flow, "--help"])
    assert done.value.code == 0 and "--json" in capsys.readouterr().out
