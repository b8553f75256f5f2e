"""studio-cli: the contract scripts depend on (JSON shapes, exit codes, no leaked keys)."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from PIL import Image

from studio.cli import main
from studio.core.secrets import SANDBOX_KEY
from studio.sandbox.config import SandboxConfig
from tests.conftest import TEST_KEY, sandbox_requests, scan_for_secret, set_faults


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_providers_json_with_no_keys(home, capsys, no_keyring):
    code, out, _ = run(capsys, "providers", "--json")
    assert code == 0
    [fal] = [p for p in json.loads(out) if p["id"] == "fal"]
    assert fal["status"] == "missing-credentials" and fal["key_source"] == "none"
    assert fal["pricing_url"].startswith("https://") and fal["docs_url"].startswith("https://")
    model = next(m for m in fal["models"] if m["id"] == "fal-ai/flux/dev")
    assert model["modes"] == ["txt2img"] and model["price"]["usd"] > 0


def test_status_follows_key_and_flag(home, capsys, memory_keyring, monkeypatch):
    def fal_status():
        return next(p for p in json.loads(run(capsys, "providers", "--json")[1])
                    if p["id"] == "fal")
    assert fal_status()["status"] == "missing-credentials"
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(TEST_KEY + "\n"))
    assert run(capsys, "keys", "set", "fal")[0] == 0
    entry = fal_status()
    assert entry["status"] == "dry-run" and entry["key_source"] == "keyring"
    run(capsys, "config", "set", "features.enable_public_image_providers", "true")
    entry = fal_status()
    assert entry["status"] == "live"  # image live; video still dry-run
    assert {m["status"] for m in entry["models"] if m["kind"] == "video"} == {"dry-run"}


def test_dry_run_generate_json(home, capsys):
    code, out, _ = run(capsys, "generate", "--provider", "fal", "--model", "fal-ai/flux/dev",
                       "--prompt", "a fox", "--seed", "5", "--param", "num_images=2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["status"] == "dry_run" and data["dry_run"] is True
    assert "enable_public_image_providers" in data["dry_run_reason"]
    # fal bills whole megapixels, rounded up: 1024x768 is one.
    assert data["estimates"]["usd"] == pytest.approx(0.025 * 2, abs=1e-4)
    assert data["estimates"]["source"].startswith("https://fal.ai/")
    assert data["request"]["method"] == "POST"
    assert data["request"]["url"] == "https://queue.fal.run/fal-ai/flux/dev"
    assert data["request"]["body"]["num_images"] == 2 and data["request"]["body"]["seed"] == 5
    log = home.job_log("fal", data["job_id"])
    assert json.loads(log.read_text().splitlines()[0])["event"] == "dry-run"


@pytest.mark.parametrize(("args", "words"), [
    (["--param", "num_images=99"], "params.num_images"),
    (["--param", "guidance_scale=loud"], "params.guidance_scale"),
    (["--param", "nonsense"], "expected KEY=VALUE"),
    (["--param", "image_size={bad json"], "invalid JSON"),
    (["--seed", "-1"], "seed"),
])
def test_bad_input_names_the_field_and_writes_no_job(home, capsys, args, words):
    code, out, err = run(capsys, "generate", "--provider", "fal", "--model", "fal-ai/flux/dev",
                         "--prompt", "x", *args)
    assert code == 2 and words in err and out == ""
    assert json.loads(run(capsys, "jobs", "--json")[1]) == []


def test_unknown_provider_and_model(home, capsys):
    code, _, err = run(capsys, "generate", "--provider", "nope", "--model", "m", "--prompt", "x")
    assert code == 2 and "unknown provider 'nope'" in err
    code, _, err = run(capsys, "generate", "--provider", "fal", "--model", "m", "--prompt", "x")
    assert code == 2 and "has no model 'm'" in err


def test_corrupt_config_warns_and_keeps_the_file(home, capsys):
    home.config_dir.mkdir(parents=True)
    home.config_file.write_text("{oops")
    code, out, err = run(capsys, "config", "get", "features.enable_public_image_providers")
    assert code == 0 and out.strip() == "false" and "studio.json.bad" in err
    assert (home.config_dir / "studio.json.bad").read_text() == "{oops"


def test_keys_without_a_keyring_say_so(home, capsys, no_keyring, monkeypatch):
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(TEST_KEY + "\n"))
    code, _, err = run(capsys, "keys", "set", "fal")
    assert code == 2 and "No secure OS keyring" in err and TEST_KEY not in err


def test_live_generate_wait_and_no_key_anywhere(home, capsys, sandbox, monkeypatch):
    """A real key sent to a provider protocol never lands in a file, log or output."""
    monkeypatch.setenv("FAL_KEY", TEST_KEY)
    monkeypatch.setenv("STUDIO_FAL_BASE_URL", f"{sandbox.url}/fal")
    run(capsys, "config", "set", "features.enable_public_image_providers", "true")
    code, out, err = run(capsys, "generate", "--provider", "fal", "--model",
                         "fal-ai/flux/schnell", "--prompt", f"fox {TEST_KEY}", "--seed", "1",
                         "--param", "image_size=square", "--wait", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "succeeded"
    [output] = data["outputs"]
    assert os.path.exists(output["path"]) and (output["width"], output["height"]) == (512, 512)
    assert os.path.exists(output["path"] + ".json")
    # The key did go out, in the Authorization header (recorded by the sandbox as a hash).
    post = next(r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST")
    assert post["headers"]["authorization"].startswith("Key <redacted")
    # Dry-runs and failures too.
    run(capsys, "generate", "--provider", "fal", "--model", "fal-ai/flux/dev", "--prompt", "x")
    set_faults(sandbox, fail_next={"provider": "fal", "message": f"bad key {TEST_KEY}"})
    code, out2, err2 = run(capsys, "generate", "--provider", "fal", "--model",
                           "fal-ai/flux/schnell", "--prompt", "y", "--wait", "--json")
    assert code == 1 and json.loads(out2)["status"] == "failed"
    assert TEST_KEY not in out + err + out2 + err2
    root = home.config_dir.parent
    assert scan_for_secret(root, TEST_KEY) == []
    assert len(list(root.rglob("*"))) > 10  # the scan did look at a real run's files


def _job_row(home, job_id=None):
    db = sqlite3.connect(home.db_file)
    try:
        sql = "SELECT id, status, remote FROM jobs"
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_killed_mid_poll_then_resume_finishes_without_resubmitting(home, tmp_path):
    from studio.sandbox import spawn_sandbox_process

    proc, url = spawn_sandbox_process(queue_seconds=0.2, run_seconds=4)
    env = {**os.environ, "STUDIO_HOME": str(home.config_dir.parent)}
    cli = [sys.executable, "-m", "studio.cli", "--sandbox-url", url]
    try:
        subprocess.run([*cli, "config", "set", "features.enable_public_image_providers",
                        "true"], env=env, check=True, capture_output=True)
        gen = subprocess.Popen([*cli, "generate", "--provider", "fal", "--model",
                                "fal-ai/flux/schnell", "--prompt", "resume me", "--wait"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            rows = _job_row(home) if home.db_file.exists() else []
            if rows and rows[0][2]:
                break
            time.sleep(0.05)
        assert rows and rows[0][2], "the job never got a remote id"
        gen.send_signal(signal.SIGKILL)
        gen.wait(10)
        assert rows[0][1] in ("submitted", "running")
        done = subprocess.run([*cli, "resume"], env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert _job_row(home)[0][1] == "succeeded"
        import httpx
        posts = [r for r in httpx.get(f"{url}/_sandbox/requests").json()
                 if r["method"] == "POST"]
        assert len(posts) == 1
    finally:
        proc.terminate()
        proc.wait(10)


def test_replay_re_estimates_a_saved_payload_offline(home, capsys, tmp_path):
    code, out, _ = run(capsys, "generate", "--provider", "fal", "--model", "fal-ai/flux/dev",
                       "--prompt", "a fox", "--param", "num_images=3", "--json")
    saved = tmp_path / "saved.json"
    saved.write_text(out)
    code, out, err = run(capsys, "replay", str(saved), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "dry_run" and data["estimate_matches"] is True
    assert data["dry_run_reason"] == "replay of saved.json"
    assert data["request"] == json.loads(saved.read_text())["request"]
    # A tampered estimate is reported as a mismatch (exit 1), still without any network.
    tampered = json.loads(saved.read_text())
    tampered["estimates"]["usd"] = 99.0
    saved.write_text(json.dumps(tampered))
    assert run(capsys, "replay", str(saved))[0] == 1
    saved.write_text("not json")
    code, _, err = run(capsys, "replay", str(saved))
    assert code == 2 and "not a readable JSON file" in err


def test_the_s3_image_host_secret_set_from_stdin_signs_a_real_upload(
        home, capsys, memory_keyring, monkeypatch, tmp_path, sandbox):
    """`keys set image-host-s3` is how the S3 host gets its secret; a live Luma job (not in
    sandbox mode: the bucket and Luma are only pointed at the emulator) uploads its input
    with it, and the emulator's S3 checks the signature."""
    secret = SandboxConfig().s3_secret
    picture = tmp_path / "ref.png"
    Image.new("RGB", (32, 32), (10, 200, 90)).save(picture)
    monkeypatch.setenv("LUMA_API_KEY", SANDBOX_KEY)
    monkeypatch.setenv("STUDIO_LUMA_BASE_URL", f"{sandbox.url}/luma")
    for key, value in (("features.enable_public_image_providers", "true"),
                       ("image_host.host", "s3"), ("image_host.s3_bucket", "renders"),
                       ("image_host.s3_access_key_id", "AKIAEXAMPLE"),
                       ("image_host.s3_endpoint_url", f"{sandbox.url}/s3")):
        assert run(capsys, "config", "set", key, value)[0] == 0

    def luma_job() -> dict:
        _, out, err = run(capsys, "generate", "--provider", "luma", "--model", "photon-1",
                          "--prompt", "a lighthouse", "--image", str(picture), "--wait",
                          "--max-usd", "1", "--json")
        assert out, err
        return json.loads(out)

    code, out, _ = run(capsys, "keys", "status", "image-host-s3")
    assert code == 0 and out.startswith("image-host-s3: none")
    job = luma_job()
    assert job["status"] == "dry_run"
    assert "missing the secret (STUDIO_IMAGE_HOST_S3_SECRET or the keyring)" in \
        job["dry_run_reason"]
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(secret + "\n"))
    code, out, err = run(capsys, "keys", "set", "image-host-s3")
    assert code == 0 and "stored in the OS keyring" in out
    code, out, _ = run(capsys, "keys", "status")
    assert code == 0 and "image-host-s3 keyring" in out
    job = luma_job()
    assert job.get("status") == "succeeded", job
    [put] = sandbox_requests(sandbox, "s3")
    assert (put["method"], put["status"]) == ("PUT", 200)
    assert put["query"]["X-Amz-Credential"].startswith("AKIAEXAMPLE/")
    code, out, _ = run(capsys, "keys", "delete", "image-host-s3")
    assert code == 0 and "deleted" in out
    assert memory_keyring.get_password("provider-studio", "image-host-s3") is None
    code, _, err = run(capsys, "keys", "set", "nope")
    assert code == 2 and "image-host-s3" in err
