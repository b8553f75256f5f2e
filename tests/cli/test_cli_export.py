"""studio-cli export, verify and contact-sheet: names, exit codes, JSON, no leaked keys."""

import json
from pathlib import Path

import pytest
from PIL import Image

from studio.cli import main
from studio.core.service import Studio
from tests.conftest import TEST_KEY, scan_for_secret
from tests.core.export.test_export_support import add_output


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def outputs(home):
    studio = Studio(home, env={})
    try:
        yield [add_output(studio, "png", group="grp-9", prompt="a cat"),
               add_output(studio, "jpg", group="grp-9", provider="stability", model="ultra",
                          prompt="a cat")]
    finally:
        studio.store.close()


def test_live_job_exported_signed_and_verified_without_the_key(home, capsys, sandbox,
                                                                monkeypatch, tmp_path):
    monkeypatch.setenv("FAL_KEY", TEST_KEY)
    monkeypatch.setenv("STUDIO_FAL_BASE_URL", f"{sandbox.url}/fal")
    run(capsys, "config", "set", "features.enable_public_image_providers", "true")
    code, out, err = run(capsys, "generate", "--provider", "fal", "--model",
                         "fal-ai/flux/schnell", "--prompt", f"fox {TEST_KEY}", "--seed", "9",
                         "--wait", "--json")
    assert code == 0, err
    job_id = json.loads(out)["job_id"]
    dest = tmp_path / "export"
    code, out, err = run(capsys, "export", "--job", job_id[:8], "--to", str(dest), "--sign",
                         "--template", "{provider}_{seed}_{index}", "--json")
    assert code == 0, err
    result = json.loads(out)
    [f] = result["files"]
    assert f["file"] == "fal_9_001.jpg" and f["content_credentials"] == "signed"
    assert scan_for_secret(dest, TEST_KEY) == []
    with Image.open(dest / f["file"]) as im:  # the sandbox's real JPEG, XMP spliced in
        assert "trainedAlgorithmicMedia" in str(im.getxmp())
    assert sorted(p.name for p in dest.iterdir()) == ["fal_9_001.jpg", "fal_9_001.jpg.json",
                                                      "manifest.json"]
    code, out, err = run(capsys, "verify", str(dest / f["file"]), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["credentials"]["headline"] == "Valid, untrusted signer"
    assert data["credentials"]["actions"][0]["software_agent"] == "fal.ai fal-ai/flux/schnell"
    assert data["sidecar"]["job_id"] == job_id and data["sidecar"]["matches_file"] is True
    assert data["sidecar"]["prompt"] == "fox ***"
    root = home.config_dir / "c2pa" / "studio-root.pem"
    code, out, _ = run(capsys, "verify", str(dest / f["file"]), "--trust", str(root))
    assert code == 0 and "Valid, signed by a trusted issuer" in out
    assert TEST_KEY not in out + err


def test_dry_run_prints_the_names_export_then_writes(home, capsys, outputs, tmp_path):
    dest = tmp_path / "out"
    code, out, _ = run(capsys, "export", "--group", "grp-9", "--to", str(dest), "--dry-run",
                       "--template", "{provider}_{model}")
    assert code == 0 and not dest.exists()
    names = out.split()
    assert names == ["fal_fal-ai-flux-dev.png", "stability_ultra.jpg"]
    code, out, _ = run(capsys, "export", "--filter-text", "cat", "--filter-provider",
                       "stability", "--to", str(dest), "--template", "{provider}_{model}")
    assert code == 0
    assert out.splitlines()[0].endswith("stability_ultra.jpg  (none)")
    code, out, _ = run(capsys, "export", "--group", "grp-9", "--to", str(dest),
                       "--template", "{provider}_{model}")
    assert sorted(Path(line.split("  ")[0]).name for line in out.splitlines()[:2]) == [
        "fal_fal-ai-flux-dev.png", "stability_ultra-2.jpg"]  # the first export's file stays


def test_verify_says_what_a_file_carries(home, capsys, outputs, tmp_path):
    code, out, _ = run(capsys, "verify", outputs[0].path)
    assert code == 0 and "content credentials: No content credentials" in out
    assert "sidecar: none" in out  # no sidecar was written beside this stored file
    run(capsys, "export", "--asset", outputs[0].id, "--to", str(tmp_path), "--sign")
    [png] = tmp_path.glob("*.png")
    data = bytearray(png.read_bytes())
    data[data.find(b"IDAT") + 12] ^= 0xFF
    png.write_bytes(bytes(data))
    code, out, _ = run(capsys, "verify", str(png))
    assert code == 1 and "INVALID" in out and "DOES NOT match this file" in out


@pytest.mark.parametrize("args, words", [
    (["export", "--to", "x"], "say what to export"),
    (["export", "--group", "grp-9", "--filter-text", "cat", "--to", "x"], "not both"),
    (["export", "--group", "grp-9", "--to", "x", "--sign", "--cert", "c.pem"], "both --cert"),
    (["export", "--group", "grp-9", "--to", "x", "--template", "{nope}"], "unknown field"),
    (["export", "--group", "no-such", "--to", "x"], "no compare group"),
    (["verify", "missing.png"], "is not a file"),
])
def test_bad_input_exits_2_with_a_reason(home, capsys, outputs, args, words):
    code, _, err = run(capsys, *args)
    assert code == 2 and words in err


def test_export_into_a_file_fails_with_exit_1(home, capsys, outputs, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    code, _, err = run(capsys, "export", "--group", "grp-9", "--to", str(target))
    assert code == 1 and "is a file, not a folder" in err
    assert target.read_text() == "x"


def test_contact_sheet_command(home, capsys, outputs, tmp_path):
    code, out, err = run(capsys, "contact-sheet", "grp-9", "--to", str(tmp_path), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["targets"] == 2 and Path(data["html"]).read_text().count("data:image") == 2


def test_a_sandbox_render_says_so_in_its_credentials_and_verify(home, capsys, sandbox,
                                                                 tmp_path):
    """Never "created by fal.ai FLUX": the manifest, the XMP, A1111 text and verify all
    say "sandbox render"."""
    code, out, err = run(capsys, "--sandbox-url", sandbox.url, "generate", "--provider",
                         "fal", "--model", "fal-ai/flux/schnell", "--prompt", "a fox",
                         "--wait", "--json")  # flags off: the sandbox runs it live anyway
    assert code == 0, err
    job = json.loads(out)
    assert job["status"] == "succeeded" and job["sandbox"] is True
    dest = tmp_path / "export"
    code, out, err = run(capsys, "export", "--job", job["job_id"][:8], "--to", str(dest),
                         "--sign", "--json")
    assert code == 0, err
    [f] = json.loads(out)["files"]
    with Image.open(dest / f["file"]) as im:
        xmp = str(im.getxmp())
        assert "sandbox render" in xmp and "trainedAlgorithmicMedia" not in xmp
    code, out, err = run(capsys, "verify", str(dest / f["file"]), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["credentials"]["sandbox"] is True and data["sidecar"]["sandbox"] is True
    [action] = data["credentials"]["actions"]
    assert action["software_agent"].startswith("sandbox render")
    assert action["digital_source_type"].endswith("/algorithmicMedia")
    code, out, _ = run(capsys, "verify", str(dest / f["file"]))
    assert "SANDBOX RENDER: made by the local emulator" in out
    assert "action: c2pa.created by sandbox render" in out
