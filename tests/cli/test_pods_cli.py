"""studio-cli pods: the JSON shapes and exit codes of the contract, against the sandbox."""

from __future__ import annotations

import json

import httpx
import pytest

from studio.cli import main

RTX4090 = "NVIDIA GeForce RTX 4090"
ACTION_KEYS = {"id", "created_at", "action", "pod_id", "live", "dry_run", "reason",
               "usd_per_hour", "request", "result", "error"}
POD_KEYS = {"id", "name", "status", "cost_per_hr", "gpu_type", "gpu_count", "image",
            "template_id", "network_volume_id", "ports", "cloud_type", "last_started_at",
            "uptime_seconds", "cost_so_far_usd", "server"}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys, *argv):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def test_create_is_a_dry_run_with_its_price_by_default(home, capsys, no_keyring):
    row = cli_json(capsys, "pods", "create", "--gpu", RTX4090, "--template", "runpod-comfyui",
                   "--volume", "vol1", "--name", "gpu-a", "--json")
    assert set(row) == ACTION_KEYS
    assert row["dry_run"] and not row["live"] and row["action"] == "create"
    assert row["usd_per_hour"] == pytest.approx(0.69)  # the published list (no key)
    assert row["request"]["url"] == "https://api.runpod.io/v2/pods"
    assert row["request"]["body"]["mounts"] == {"network": [{"volumeId": "vol1",
                                                             "path": "/workspace"}]}
    assert row["request"]["body"]["gpu"] == {"id": RTX4090, "count": 1}
    assert row["request"]["body"]["name"] == "gpu-a"
    gpus = cli_json(capsys, "pods", "gpu-types", "--json")
    assert gpus[0]["source"].startswith("published list")


def test_the_pod_commands_live_against_the_sandbox(home, capsys, cloud):
    sb = ["--sandbox-url", cloud.url]
    assert main(["config", "set", "features.enable_public_image_providers", "true"]) == 0
    capsys.readouterr()
    gpus = cli_json(capsys, *sb, "pods", "gpu-types", "--json")
    assert {"id", "name", "secure_price", "community_price", "stock", "available",
            "source"} <= set(gpus[0])
    templates = cli_json(capsys, *sb, "pods", "templates", "--json")
    assert {"id", "name", "image", "ports", "is_comfyui"} <= set(templates[0])
    volumes = cli_json(capsys, *sb, "pods", "volumes", "--json")
    assert {"id", "name", "size_gb", "data_center"} <= set(volumes[0])

    row = cli_json(capsys, *sb, "pods", "create", "--gpu", RTX4090, "--template",
                   "runpod-comfyui", "--name", "gpu-b", "--json")
    assert row["live"] and row["error"] is None and row["usd_per_hour"] == pytest.approx(0.69)
    pod_id = row["pod_id"]
    httpx.post(f"{cloud.url}/_sandbox/clock", json={"advance": 60}).raise_for_status()
    [pod] = cli_json(capsys, *sb, "pods", "list", "--json")
    assert set(pod) == POD_KEYS and pod["status"] == "RUNNING"
    assert pod["server"] == f"pod_{pod_id}"
    assert pod["cost_so_far_usd"] == pytest.approx(60 * 0.69 / 3600)
    shown = cli_json(capsys, *sb, "pods", "show", pod_id, "--json")
    assert shown["id"] == pod_id and shown["server"] == pod["server"]
    budget = cli_json(capsys, *sb, "budget", "show", "--json")
    assert budget["pods"]["pods"] == 1 and budget["pods"]["usd_per_hour"] == pytest.approx(0.69)
    assert budget["pods"]["usd_so_far"] == pytest.approx(60 * 0.69 / 3600)
    code, out, _ = run(capsys, *sb, "budget", "show")
    assert code == 0 and "Pods: 1 up, $0.0115 so far, $0.69/h" in out

    entries = cli_json(capsys, *sb, "providers", "--json")
    [entry] = [e for e in entries if e["name"] == "gpu-b"]
    assert entry["id"] == f"pod_{pod_id}" and "sd_xl_base_1.0.safetensors" in entry["notes"]

    restart = cli_json(capsys, *sb, "pods", "restart", pod_id, "--json")
    assert restart["live"] and restart["usd_per_hour"] == pytest.approx(0.69)
    stop = cli_json(capsys, *sb, "pods", "stop", pod_id, "--json")
    assert stop["result"]["status"] == "EXITED"
    assert not [e for e in cli_json(capsys, *sb, "providers", "--json") if e["name"] == "gpu-b"]
    start = cli_json(capsys, *sb, "pods", "start", pod_id, "--json")
    assert start["live"] and start["usd_per_hour"] == pytest.approx(0.69)
    gone = cli_json(capsys, *sb, "pods", "terminate", pod_id, "--json")
    assert gone["live"] and gone["result"] is None
    assert cli_json(capsys, *sb, "pods", "list", "--json") == []
    account = cli_json(capsys, *sb, "pods", "account", "--json")
    assert account["billed"][pod_id] == pytest.approx(60 * 0.69 / 3600)


def test_a_refused_key_is_a_clear_error(home, capsys, cloud, no_keyring):
    assert main(["config", "set", "base_urls.runpod_pods", f"{cloud.url}/runpod_pods/v2"]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "pods", "list", "--json")
    assert code == 1 and out == ""
    assert "RUNPOD_API_KEY" in err and "HTTP 401" in err


def test_garbage_and_errors_exit_1_with_the_reason(home, capsys, cloud):
    sb = ["--sandbox-url", cloud.url]
    httpx.post(f"{cloud.url}/_sandbox/faults",
               json={"malformed_json": {"count": 1, "provider": "runpod"}}).raise_for_status()
    code, _, err = run(capsys, *sb, "pods", "templates", "--json")
    assert code == 1 and "malformed response" in err
    assert main(["config", "set", "features.enable_public_image_providers", "true"]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, *sb, "pods", "stop", "nosuchpod", "--json")
    assert code == 1 and "does not know this pod" in err
    assert json.loads(out)["error"]


@pytest.mark.parametrize(("argv", "words"), [
    (["pods", "show", "../etc"], "letters, digits"),
    (["pods", "create", "--gpu", RTX4090], "template id or an image"),
    (["pods", "create", "--gpu", RTX4090, "--image", "x", "--port", "http"], "8188/http"),
])
def test_bad_input_exits_2(home, capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2 and words in err and out == ""


def test_a_real_key_never_lands_in_a_file_or_the_output(home, capsys, cloud, monkeypatch):
    from tests.conftest import TEST_KEY, scan_for_secret

    monkeypatch.setenv("RUNPOD_API_KEY", TEST_KEY)
    for setting, url in (("base_urls.runpod_pods", f"{cloud.url}/runpod_pods/v2"),
                         ("base_urls.runpod_graphql", f"{cloud.url}/runpod_pods/graphql"),
                         ("base_urls.runpod_proxy", f"{cloud.url}/runpod_pods/proxy"),
                         ("features.enable_public_image_providers", "true")):
        assert main(["config", "set", setting, url]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "pods", "create", "--gpu", RTX4090, "--template",
                         "runpod-comfyui", "--json")
    row = json.loads(out)
    assert code == 0 and row["live"] and row["request"]["headers"]["Authorization"] != \
        f"Bearer {TEST_KEY}"
    httpx.post(f"{cloud.url}/_sandbox/clock", json={"advance": 60}).raise_for_status()
    code, out, err = run(capsys, "pods", "list", "--json")
    assert code == 0 and json.loads(out)[0]["server"]
    assert TEST_KEY not in out + err
    assert scan_for_secret(home.config_dir.parent, TEST_KEY) == []
    assert home.data_dir.is_relative_to(home.config_dir.parent)
